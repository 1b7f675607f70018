"""Full-text search over the catalog: suggestions, highlights (HTML-safe),
facets and filters, the advanced query, exclusion, typos and pinyin, the
no-result consultation hint, hot searches, and the staff's synonym groups."""

import json
import re
import time

import pytest

from conftest import Client, expect_error, new_name, staff_login

LICENCE_REISSUE = "驾驶证补领"
PASSPORT = "普通护照签发"
HK_MACAO = "往来港澳通行证及签注签发"
FACETS = {"police", "department", "region", "object", "theme", "online", "appointment"}


def search(client, **params):
    r = client.get("/api/v1/search", params=params)
    assert r.status_code == 200, f"{params}: {r.status_code} {r.text[:300]}"
    doc = r.json()
    assert set(doc) >= {"items", "total", "page", "page_size", "partial", "facets", "consult"}, doc.keys()
    assert set(doc["facets"]) == FACETS
    return doc


def names(doc):
    return [i["name"] for i in doc["items"]]


def plain(html):
    """The text of a highlight: only <em> and </em> may be markup; entities decoded."""
    assert "<" not in re.sub(r"</?em>", "", html), html
    assert ">" not in re.sub(r"</?em>", "", html), html
    text = re.sub(r"</?em>", "", html)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&#39;", "'") \
        .replace("&amp;", "&")


# ------------------------------------------------------------------ suggestions


def test_suggest_prefix(anon):
    r = anon.get("/api/v1/search/suggest", params={"q": "驾"})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert items, "驾 suggests something"
    assert all(i["text"].startswith("驾") for i in items[:3]), items
    reissue = [i for i in items if i.get("name") == LICENCE_REISSUE]
    assert reissue and reissue[0]["code"], items
    assert reissue[0]["highlight"].startswith("<em>驾</em>"), reissue[0]
    assert len({i.get("code") for i in items if i.get("code")}) == len([i for i in items if i.get("code")]), \
        "one line per matter"


def test_suggest_pinyin_initials_and_limit(anon):
    items = anon.get("/api/v1/search/suggest", params={"q": "huzhao"}).json()["items"]
    assert any("护照" in i["text"] for i in items), items
    items = anon.get("/api/v1/search/suggest", params={"q": "jsz"}).json()["items"]
    assert any(i["text"].startswith("驾驶证") for i in items), items
    items = anon.get("/api/v1/search/suggest", params={"q": "驾", "limit": 1}).json()["items"]
    assert len(items) == 1
    assert anon.get("/api/v1/search/suggest", params={"q": ""}).json() == {"items": []}


def test_suggest_bad_input(anon):
    expect_error(anon.get("/api/v1/search/suggest", params={"q": "驾" * 51}), 400, "INVALID_FIELD", "q")
    expect_error(anon.get("/api/v1/search/suggest", params={"q": "驾", "limit": 0}), 400, "INVALID_FIELD", "limit")
    expect_error(anon.get("/api/v1/search/suggest", params={"q": "驾", "channel": "fax"}), 400, "INVALID_FIELD",
                 "channel")


# ------------------------------------------------------------------ ranking, typos, exclusion


def test_colloquial_query_ranks_reissue_first(anon):
    doc = search(anon, q="驾照 补办")
    assert names(doc)[0] == LICENCE_REISSUE, names(doc)
    assert doc["partial"] is False and doc["consult"] is None


def test_pinyin_and_typo(anon):
    assert PASSPORT in names(search(anon, q="huzhao"))
    assert PASSPORT in names(search(anon, q="huzaho")), "one typo in pinyin is forgiven"
    assert LICENCE_REISSUE in names(search(anon, q="JSZ 补领")), "initials, any case"
    assert PASSPORT in names(search(anon, q="ＨＵＺＨＡＯ")), "full-width input"


def test_exclusion_syntax(anon):
    both = names(search(anon, q="通行证"))
    assert HK_MACAO in both and len(both) >= 2, both
    doc = search(anon, q="通行证 -港澳")
    assert doc["items"], "the other permits stay"
    for it in doc["items"]:
        assert "港澳" not in it["name"], names(doc)
    assert doc["total"] < len(both)
    for it in search(anon, q="护照 -港澳")["items"]:
        assert "港澳" not in it["name"]


def test_advanced_query(anon):
    all_of = search(anon, all="驾驶证 补领")
    assert names(all_of) == [LICENCE_REISSUE], names(all_of)
    any_of = search(anon, any="护照 驾驶证", page_size=100)
    assert PASSPORT in names(any_of) and LICENCE_REISSUE in names(any_of)
    assert any_of["total"] == len(any_of["items"])
    none_of = search(anon, any="护照 驾驶证", none="补领", page_size=100)
    assert LICENCE_REISSUE not in names(none_of) and PASSPORT in names(none_of)
    assert none_of["total"] == any_of["total"] - 1
    # all of: nothing has both words, and the advanced query means what it says (no partial fallback)
    nothing = search(anon, all="护照 驾驶证")
    assert nothing["total"] == 0 and not nothing["items"] and nothing["consult"]
    expect_error(anon.get("/api/v1/search", params={"none": "港" * 51}), 400, "INVALID_FIELD", "none")


# ------------------------------------------------------------------ highlights


def test_highlights_mark_matches(anon):
    doc = search(anon, q="驾照 补办")
    hl = doc["items"][0]["highlight"]
    assert "<em>" in hl["name"] and plain(hl["name"]) == LICENCE_REISSUE
    assert "<em>" in hl["summary"], hl


def test_highlight_is_html_safe_for_hostile_queries(anon):
    for q in ["<script>alert(1)</script> 护照", "护照\"><img src=x onerror=alert(1)>", "&lt;b&gt; 护照"]:
        doc = search(anon, q=q)
        assert doc["items"], q
        for it in doc["items"]:
            for part in it["highlight"].values():
                text = plain(part)
                assert "script" not in part and "onerror" not in part, part
                assert "<" not in text or "<" in it["name"], (q, part)
        assert json.dumps(doc).count("<script>") == 0


def test_highlight_escapes_document_text(server, anon):
    """Markup inside a guide is shown as text: the guide's conditions carry an
    <img> tag for the duration of the test (written straight to the database,
    then the catalog epoch moves so the node rebuilds)."""
    code = [m for m in search(anon, q="边境通行证")["items"] if "边境" in m["name"]][0]["code"]
    (guide_text,) = server.sql("SELECT guide FROM matters WHERE code = ?", (code,))[0]
    g = json.loads(guide_text)
    hostile = dict(g, conditions="持有<img src=x onerror=alert(1)>边境 & \"通行\"证的居民")
    try:
        server.sql("UPDATE matters SET guide = ? WHERE code = ?", (json.dumps(hostile, ensure_ascii=False), code))
        server.sql("UPDATE cache_epochs SET epoch = epoch + 1 WHERE name = 'catalog'")
        summary = None
        for _ in range(40):
            doc = search(anon, q="onerror")
            if doc["items"]:
                summary = doc["items"][0]["highlight"]["summary"]
                break
            time.sleep(0.1)
        assert summary, "the rebuilt index finds the new text"
        assert "<img" not in summary and "&lt;img src=x <em>onerror</em>=alert(1)&gt;" in summary, summary
        assert "&amp;" in summary and "&quot;" in summary, summary
        assert plain(summary).startswith("持有<img src=x onerror=alert(1)>边境 & \"通行\"证")
    finally:
        server.sql("UPDATE matters SET guide = ? WHERE code = ?", (guide_text, code))
        server.sql("UPDATE cache_epochs SET epoch = epoch + 1 WHERE name = 'catalog'")
    for _ in range(40):
        if not search(anon, q="onerror")["items"]:
            break
        time.sleep(0.1)
    assert not search(anon, q="onerror")["items"]


# ------------------------------------------------------------------ facets and filters


def test_facet_counts_match_filtered_totals(anon):
    base = search(anon, q="证", page_size=1)
    assert base["total"] > 5
    checked = 0
    for facet in ("police", "department", "object", "theme", "online", "appointment", "region"):
        values = base["facets"][facet]
        assert values, facet
        assert all(v["name"] and v["count"] > 0 for v in values), values
        if facet not in ("object", "region"):  # single-valued facets partition the result
            assert sum(v["count"] for v in values) == base["total"], (facet, values)
        for v in values[:4]:
            doc = search(anon, q="证", page_size=100, **{facet: v["value"]})
            assert doc["total"] == v["count"] == len(doc["items"]), (facet, v, doc["total"])
            checked += 1
    assert checked >= 15


def test_facet_names_and_region_levels(anon):
    doc = search(anon, q="驾驶证", page_size=1)
    police = {v["value"]: v["name"] for v in doc["facets"]["police"]}
    assert police.get("traffic") == "交管", police
    regions = {v["value"]: v["name"] for v in doc["facets"]["region"]}
    assert regions.get("230000") == "黑龙江省" and regions.get("230100") == "哈尔滨市", regions
    assert all(code.endswith("00") for code in regions), "districts are not listed as facet values"


def test_filters_combine(anon):
    traffic = search(anon, police="traffic", page_size=100)
    assert traffic["total"] == len(traffic["items"]) and traffic["total"] > 3
    assert all(i["police_category"] == "traffic" for i in traffic["items"])
    both = search(anon, police="traffic,exit_entry", page_size=100)
    exit_entry = search(anon, police="exit_entry", page_size=100)
    assert both["total"] == traffic["total"] + exit_entry["total"], "values of one facet: any of them"
    full = search(anon, police="traffic", online="full", page_size=100)
    assert 0 < full["total"] < traffic["total"]
    assert all(i["online_level"] == "full" for i in full["items"])
    # the filtered facet still lists its other values (what adding them would bring)
    counts = {v["value"]: v["count"] for v in traffic["facets"]["police"]}
    assert counts["traffic"] == traffic["total"] and counts["exit_entry"] == exit_entry["total"]
    # a district: matters applicable there (listed for it or an ancestor)
    daoli = search(anon, region="230102", page_size=100)
    qqhr = search(anon, region="230200", page_size=100)
    assert daoli["total"] > 0 and qqhr["total"] > 0 and daoli["total"] != qqhr["total"]


def test_filter_bad_values(anon):
    for key, val in [("online", "fast"), ("region", "23"), ("object", "x"), ("appointment", "yes"),
                     ("channel", "fax"), ("police", "a b"), ("q", "护" * 51)]:
        expect_error(anon.get("/api/v1/search", params={key: val}), 400, "INVALID_FIELD", key)
    expect_error(anon.get("/api/v1/search", params={"page_size": 101}), 400, "INVALID_FIELD", "page_size")


def test_pagination(anon):
    everything = search(anon, page_size=100)
    assert everything["total"] == len(everything["items"]) and everything["total"] >= 40
    seen = []
    for page in range(1, 100):
        doc = search(anon, page=page, page_size=7)
        assert doc["page"] == page and doc["page_size"] == 7 and doc["total"] == everything["total"]
        if not doc["items"]:
            break
        seen += [i["code"] for i in doc["items"]]
    assert seen == [i["code"] for i in everything["items"]]
    far = search(anon, page=100000, page_size=100)
    assert far["items"] == [] and far["total"] == everything["total"]


def test_old_matter_search_still_works(anon):
    r = anon.get("/api/v1/matters", params={"q": "驾照 补办"})
    assert r.status_code == 200 and r.json()["items"][0]["name"] == LICENCE_REISSUE


# ------------------------------------------------------------------ no result


def test_no_result_offers_consultation_channels(anon):
    doc = search(anon, q="火星移民签证")
    assert doc["total"] == 0 and doc["items"] == []
    c = doc["consult"]
    assert c["suggest_human"] is True and c["online_agent"] is True, c
    assert any(ch["kind"] == "phone" and ch["number"] == "12345" for ch in c["channels"]), c
    assert any(ch["kind"] == "agent" and ch["link"].startswith("/agent?") for ch in c["channels"]), c
    assert "12345" in c["message"]
    assert search(anon, q="护照")["consult"] is None
    assert search(anon, police="traffic")["consult"] is None, "browsing is not a failed search"


# ------------------------------------------------------------------ hot searches


def hot(client):
    r = client.get("/api/v1/search/hot")
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["min_clients"] == 3 and doc["window_hours"] == 24
    return {i["text"]: i["count"] for i in doc["items"]}


def test_hot_searches_need_distinct_clients(server):
    one = Client(server.base)
    for _ in range(10):  # one visitor repeating a query cannot plant it
        search(one, q="刻章备案")
    assert "刻章备案" not in hot(one)
    for _ in range(2):
        search(Client(server.base), q="居住证")
    assert "居住证" not in hot(one), "two visitors are not enough"
    search(Client(server.base), q="居住证")
    assert hot(one).get("居住证", 0) >= 3
    # nonsense (no result), later pages and identifiers are not counted
    for _ in range(4):
        c = Client(server.base)
        search(c, q="火星移民签证")
        search(c, q="户口迁移 230102199001011234")
        search(c, q="临时身份证", page=2)
    top = hot(one)
    assert "火星移民签证" not in top and not any("2301021990" in t for t in top) and "临时身份证" not in top
    expect_error(one.get("/api/v1/search/hot", params={"limit": 21}), 400, "INVALID_FIELD", "limit")


# ------------------------------------------------------------------ synonym administration


SYN = "/api/v1/admin/search/synonyms"


def test_synonyms_require_permission(server, anon, citizen, clerk):
    expect_error(anon.get(SYN), 401, "UNAUTHENTICATED")
    expect_error(citizen.get(SYN), 401, "UNAUTHENTICATED")
    expect_error(clerk.get(SYN), 403, "FORBIDDEN")
    expect_error(clerk.post(SYN, json={"words": ["甲", "乙"]}), 403, "FORBIDDEN")
    expect_error(clerk.delete(SYN + "/1"), 403, "FORBIDDEN")


def test_synonym_group_lifecycle(server, admin, anon):
    word = f"qzx{int(time.time() * 1000) % 10**7}"
    assert not search(anon, q=word)["items"]
    doc = admin.get(SYN).json()
    assert any("驾照" in g["words"] for g in doc["builtin"]) and all(g["builtin"] for g in doc["builtin"])
    r = admin.post(SYN, json={"words": [word, "驾驶证"]})
    assert r.status_code == 201, r.text
    g = r.json()
    assert g["words"] == [word, "驾驶证"] and g["kind"] == "equivalent" and g["builtin"] is False
    assert g["created_by"] == f"staff:{admin.user['id']}"
    assert any(x["id"] == g["id"] for x in admin.get(SYN).json()["items"])
    # applied to the index at once on this node
    assert LICENCE_REISSUE in names(search(anon, q=word + " 补领"))
    # one way: words => targets
    oneway = f"qzy{int(time.time() * 1000) % 10**7}"
    assert not search(anon, q=oneway)["items"]
    r = admin.post(SYN, json={"words": [oneway], "targets": ["护照"]})
    assert r.status_code == 201 and r.json()["kind"] == "one_way", r.text
    assert PASSPORT in names(search(anon, q=oneway))
    # audited
    login = "aud" + str(int(time.time() * 1000) % 10**8)
    aud = staff_login(server.base, login, server.add_staff(login, new_name(), "audit_admin"))
    trail = aud.get("/api/v1/admin/audit", params={"action": "search.synonym.add",
                                                    "object": f"synonym:{g['id']}"}).json()["items"]
    assert len(trail) == 1 and word in trail[0]["detail"], trail
    # delete
    r = admin.delete(f"{SYN}/{g['id']}")
    assert r.status_code == 200 and r.json() == {"id": g["id"], "deleted": True}, r.text
    assert not search(anon, q=word)["items"]
    assert not any(x["id"] == g["id"] for x in admin.get(SYN).json()["items"])
    trail = aud.get("/api/v1/admin/audit", params={"action": "search.synonym.delete",
                                                    "object": f"synonym:{g['id']}"}).json()["items"]
    assert len(trail) == 1
    expect_error(admin.delete(f"{SYN}/{g['id']}"), 404, "SYNONYM_NOT_FOUND", "id")
    expect_error(admin.delete(f"{SYN}/abc"), 404, "SYNONYM_NOT_FOUND", "id")
    other = [x for x in admin.get(SYN).json()["items"] if oneway in x["words"]][0]
    assert admin.delete(f"{SYN}/{other['id']}").status_code == 200


@pytest.mark.parametrize("body,field", [
    ({"words": ["只有一个"]}, "words"),
    ({"words": []}, "words"),
    ({"words": ["甲,乙", "丙"]}, "words"),
    ({"words": ["甲，乙", "丙"]}, "words"),
    ({"words": ["甲=>乙", "丙"]}, "words"),
    ({"words": ["#注释", "丙"]}, "words"),
    ({"words": ["甲\n乙", "丙"]}, "words"),
    ({"words": ["   ", "丙"]}, "words"),
    ({"words": ["长" * 21, "丙"]}, "words"),
    ({"words": ["甲", 3]}, "words"),
    ({"words": ["甲"], "targets": ["、"]}, "targets"),
    ({"words": ["甲", "乙"], "extra": 1}, "extra"),
])
def test_synonym_bad_input(admin, body, field):
    before = len(admin.get(SYN).json()["items"])
    r = admin.post(SYN, json=body)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["field"] == field, r.text
    assert len(admin.get(SYN).json()["items"]) == before
