"""Matter catalog: meta, regions, search, filters, pagination, guides."""

import glob
import json
import os
import re

import pytest

from conftest import REPO, all_matters, covered, expect_error, guide

SUMMARY_KEYS = {"code", "name", "short_name", "police_category", "police_category_name", "theme",
                "service_objects", "case_type", "case_type_name", "online_level", "online_level_name",
                "appointment", "delivery", "promised_limit", "promised_limit_unit", "fee_required",
                "visits_required"}
GUIDE_KEYS = SUMMARY_KEYS | {
    "basic_code", "item_code", "matter_type", "matter_type_name", "exercise_level", "implementer",
    "implementer_code", "statutory_limit", "statutory_limit_unit", "fee_amount_fen", "handling_forms",
    "online_payment", "conditions", "legal_basis", "flow_description", "flow_steps", "materials", "faq",
    "consult_phone", "supervise_phone", "handling_place", "handling_time", "result_name", "regions",
    "channels", "status", "form"}
POLICE = ["public_order", "exit_entry", "traffic", "detention", "cyber", "narcotics", "criminal", "border"]
THEMES = ["id_docs", "household", "travel", "business", "certify", "visit", "permit", "birth"]


@pytest.fixture(scope="module")
def matters(server):
    return all_matters(server.base)


@pytest.fixture(scope="module")
def guides(server, matters):
    return {m["code"]: guide(server.base, m["code"]) for m in matters}


def lst(anon, **params):
    r = anon.get("/api/v1/matters", params=params)
    assert r.status_code == 200, f"{params}: {r.status_code} {r.text[:300]}"
    doc = r.json()
    assert set(doc) >= {"items", "total"}, doc.keys()
    assert isinstance(doc["total"], int) and doc["total"] >= len(doc["items"])
    return doc


def codes(doc):
    return [i["code"] for i in doc["items"]]


def full_set(anon, **params):
    params = dict(params, page_size=100)
    out, page = [], 1
    while True:
        doc = lst(anon, page=page, **params)
        out += codes(doc)
        if len(out) >= doc["total"] or not doc["items"]:
            assert len(out) == doc["total"], f"{params}: collected {len(out)} of total {doc['total']}"
            return out
        page += 1


# ---------------------------------------------------------------- meta & regions


def test_meta(anon):
    r = anon.get("/api/v1/meta")
    assert r.status_code == 200
    m = r.json()
    assert {c["code"] for c in m["police_categories"]} == set(POLICE)
    assert {c["code"] for c in m["themes"]} == set(THEMES)
    assert {c["code"] for c in m["online_levels"]} == {"full", "partial", "window"}
    assert {"code": 1, "name": "自然人"} in m["service_objects"]
    assert any(c["code"] == "01" and c["name"] == "行政许可" for c in m["matter_types"])
    assert any(c["code"] == "submitted" and c["name"] == "已提交" for c in m["case_statuses"])
    assert m["default_region"] == "230100"
    assert m["sandbox_sms"] is True
    names = {c["code"]: c["name"] for c in m["police_categories"]}
    assert names["exit_entry"] == "出入境" and names["traffic"] == "交管"


def test_regions(anon):
    r = anon.get("/api/v1/regions")
    assert r.status_code == 200
    items = r.json()["items"]
    by = {i["code"]: i for i in items}
    assert by["230000"] == {"code": "230000", "name": "黑龙江省", "level": 1, "parent": None}
    assert by["230100"]["name"] == "哈尔滨市" and by["230100"]["parent"] == "230000" and by["230100"]["level"] == 2
    assert by["230102"]["name"] == "道里区" and by["230102"]["parent"] == "230100" and by["230102"]["level"] == 3
    prefectures = {c for c, i in by.items() if i["level"] == 2}
    assert prefectures == {"230100", "230200", "230300", "230400", "230500", "230600", "230700", "230800",
                           "230900", "231000", "231100", "231200", "232700"}, prefectures
    counties = [i for i in items if i["level"] == 3]
    assert len(counties) >= 100, len(counties)
    assert by.get("231183", {}).get("name") == "嫩江市"
    assert by.get("232701", {}).get("name") == "漠河市"
    for i in counties:
        assert i["parent"] in prefectures, i


def test_regions_parent_filter(anon):
    r = anon.get("/api/v1/regions", params={"parent": "230100"})
    assert r.status_code == 200
    items = r.json()["items"]
    assert items and all(i["parent"] == "230100" for i in items)
    assert "230102" in {i["code"] for i in items}
    assert len(items) >= 9  # Harbin: 9 districts + counties


# ---------------------------------------------------------------- listing


def test_list_shape(anon, matters):
    assert len(matters) >= 40, f"only {len(matters)} published matters"
    assert len({m["code"] for m in matters}) == len(matters), "duplicate codes in listing"
    for m in matters:
        missing = SUMMARY_KEYS - set(m)
        assert not missing, f"{m['code']} lacks {missing}"
        assert m["police_category"] in POLICE, m
        assert m["theme"] in THEMES, m
        assert m["online_level"] in ("full", "partial", "window")
        assert m["case_type"] in (1, 2, 9)
        assert isinstance(m["appointment"], bool) and isinstance(m["delivery"], bool)
        assert re.fullmatch(r"[0-9A-Z]{12,50}", m["code"]), m["code"]
    assert {m["police_category"] for m in matters} >= {"public_order", "exit_entry", "traffic", "detention"}


def test_hot(anon, matters):
    r = anon.get("/api/v1/matters/hot")
    assert r.status_code == 200
    items = r.json()["items"]
    assert len(items) == 8
    published = {m["code"] for m in matters}
    assert all(i["code"] in published for i in items)
    assert len({i["code"] for i in items}) == 8


@pytest.mark.parametrize("term,expected", [
    ("护照", ["普通护照签发"]),
    ("驾驶", ["驾驶证期满换证", "驾驶证补领"]),
])
def test_search_finds(anon, guides, term, expected):
    doc = lst(anon, q=term, page_size=100)
    names = [i["name"] for i in doc["items"]]
    for e in expected:
        assert e in names, f"q={term}: {e} not found in {names}"
    # best match first: the first hit has the term in its name
    assert term in names[0], f"q={term}: first result {names[0]!r} does not contain the term"
    # every hit mentions the term in a searched field
    for i in doc["items"]:
        g = guides[i["code"]]
        hay = json.dumps([g["name"], g.get("short_name"), g.get("conditions"), g.get("materials"), g.get("faq")],
                         ensure_ascii=False)
        assert term in hay, f"q={term} returned {i['name']} which does not mention it"
    # and every published matter that has the term in its name is found
    for g in guides.values():
        if term in g["name"]:
            assert g["name"] in names, f"q={term} misses {g['name']}"


def test_search_unknown_term_empty(anon):
    doc = lst(anon, q="火星移民")
    assert doc["total"] == 0 and doc["items"] == []


def test_search_and_filter_combine(anon, matters):
    all_hits = full_set(anon, q="驾驶")
    traffic = full_set(anon, q="驾驶", police="traffic")
    assert set(traffic) <= set(all_hits)
    ex = full_set(anon, q="护照", police="traffic")
    assert not (set(ex) & set(full_set(anon, q="护照", police="exit_entry")))


def _check_partition(anon, matters, param, values, key):
    everything = {m["code"] for m in matters}
    union = set()
    narrowed = False
    for v in values:
        got = full_set(anon, **{param: v})
        expect = {m["code"] for m in matters if key(m, v)}
        assert set(got) == expect, f"{param}={v}: got {len(got)}, expected {len(expect)}; " \
                                   f"extra {set(got) - expect}, missing {expect - set(got)}"
        assert len(got) == len(set(got)), f"{param}={v}: duplicates"
        union |= set(got)
        narrowed = narrowed or (0 < len(got) < len(everything))
    assert narrowed, f"filter {param} never narrows the list"
    return union


def test_filter_police(anon, matters):
    u = _check_partition(anon, matters, "police", POLICE, lambda m, v: m["police_category"] == v)
    assert u == {m["code"] for m in matters}


def test_filter_theme(anon, matters):
    u = _check_partition(anon, matters, "theme", THEMES, lambda m, v: m["theme"] == v)
    assert u == {m["code"] for m in matters}


def test_filter_online(anon, matters):
    u = _check_partition(anon, matters, "online", ["full", "partial", "window"], lambda m, v: m["online_level"] == v)
    assert u == {m["code"] for m in matters}


def test_filter_appointment(anon, matters):
    u = _check_partition(anon, matters, "appointment", ["true", "false"],
                         lambda m, v: m["appointment"] == (v == "true"))
    assert u == {m["code"] for m in matters}


def test_filter_object(anon, matters):
    _check_partition(anon, matters, "object", [1, 2], lambda m, v: v in m["service_objects"])


@pytest.mark.parametrize("region", ["230102", "230100", "230202", "232701", "231183", "230000"])
def test_filter_region(anon, matters, guides, region):
    got = set(full_set(anon, region=region))
    expect = {c for c, g in guides.items() if covered(g["regions"], region)}
    assert got == expect, f"region={region}: extra {got - expect}, missing {expect - got}"


def test_filter_region_narrows_somewhere(anon, matters, guides):
    total = len(matters)
    sizes = [len(full_set(anon, region=r)) for r in ("230102", "230202", "232701", "231183", "230302")]
    regional = [g for g in guides.values() if not any(x.endswith("0000") for x in g["regions"])]
    if regional:
        assert min(sizes) < total, "no region filter narrows although some matters are regional"
    else:
        pytest.skip("every seeded matter is province-wide")


@pytest.mark.parametrize("params", [
    {"police": "no_such_category"}, {"theme": "x"}, {"online": "sometimes"}, {"appointment": "maybe"},
    {"object": "abc"}, {"object": "99"}, {"region": "999999"}, {"region": "abc"}, {"page": "abc"}, {"page": "-1"},
    {"page": "0"}, {"page": "99999999999999999999"},
])
def test_bad_filters_never_500(anon, params):
    r = anon.get("/api/v1/matters", params=params)
    assert r.status_code in (200, 400), f"{params}: {r.status_code} {r.text[:200]}"
    if r.status_code == 200:
        assert r.json()["total"] == 0 or params.get("page") is not None


# ---------------------------------------------------------------- pagination


def test_pagination(anon, matters):
    total = len(matters)
    seen = []
    page = 1
    while True:
        doc = lst(anon, page=page, page_size=7)
        assert doc["total"] == total, f"total changes with paging: {doc['total']} vs {total}"
        assert len(doc["items"]) <= 7
        if not doc["items"]:
            break
        seen += codes(doc)
        page += 1
        assert page < 100
    assert len(seen) == total and set(seen) == {m["code"] for m in matters}, "pages overlap or miss items"
    assert lst(anon, page=page + 5, page_size=7)["items"] == []


def test_default_page_size(anon, matters):
    doc = lst(anon)
    assert len(doc["items"]) == min(20, len(matters))
    assert doc["total"] == len(matters)


@pytest.mark.parametrize("ps", [0, -1, 101, 1000, "x"])
def test_page_size_bounds(anon, ps):
    r = anon.get("/api/v1/matters", params={"page_size": ps})
    assert r.status_code == 400, f"page_size={ps}: {r.status_code}"
    e = expect_error(r, 400, r.json()["error"]["code"])
    assert e["code"] in ("INVALID_FIELD", "BAD_REQUEST", "WRONG_TYPE"), e


@pytest.mark.parametrize("ps", [1, 100])
def test_page_size_limits_ok(anon, matters, ps):
    doc = lst(anon, page_size=ps)
    assert len(doc["items"]) == min(ps, len(matters))


# ---------------------------------------------------------------- guide


def test_full_guide(anon, guides):
    for code, g in guides.items():
        missing = GUIDE_KEYS - set(g)
        assert not missing, f"{code} guide lacks {missing}"
        assert g["code"] == code
        assert g["status"] == "published"
        assert "pc" in g["channels"]
        assert g["regions"] and all(re.fullmatch(r"\d{6}", x) for x in g["regions"]), g["regions"]
        assert g["materials"], f"{code}: no materials"
        for m in g["materials"]:
            assert {"id", "name", "required", "original_count", "copy_count"} <= set(m), m
        form = g["form"]
        assert isinstance(form.get("version"), int) and form["version"] >= 1
        assert isinstance(form.get("fields"), list) and form["fields"], f"{code}: empty form"
        for f in form["fields"]:
            assert f["type"] in ("text", "textarea", "number", "date", "select", "radio", "checkbox",
                                 "id_number", "phone", "email"), f
            assert f.get("name") and f.get("label"), f
            if f["type"] in ("select", "radio"):
                assert f.get("options"), f"{code}.{f['name']}: select without options"
        assert len(g.get("basic_code") or "") <= 12 and len(g.get("item_code") or "") <= 50
        assert isinstance(g["fee_amount_fen"], int)


def test_passport_guide_content(anon, passport):
    g = passport
    assert g["police_category"] == "exit_entry"
    assert g["fee_required"] is True and g["fee_amount_fen"] == 12000
    assert g["statutory_limit"] == 15
    assert g["flow_steps"] and g["faq"] and g["conditions"]
    assert any(m.get("required") for m in g["materials"])
    assert covered(g["regions"], "230102")


@pytest.mark.parametrize("code", ["NO_SUCH_MATTER", "0" * 31, "11230000MB0000000X4000112300001X", "a" * 300,
                                  "%27%20OR%201%3D1%20--", "..%2f..%2fetc%2fpasswd", "%00", "护照"])
def test_unknown_matter_404(anon, code):
    r = anon.get("/api/v1/matters/" + code)
    if code in ("..%2f..%2fetc%2fpasswd", "%00") and r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND":
        return  # refused by path normalisation before routing: fine
    expect_error(r, 404, "MATTER_NOT_FOUND")


def seed_matters():
    """Matters in the seed files (JSON), whatever their status."""
    found = []
    for path in glob.glob(os.path.join(REPO, "seed", "**", "*.json"), recursive=True):
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except (ValueError, OSError):
            continue

        def walk(o):
            if isinstance(o, dict):
                if isinstance(o.get("code"), str) and "status" in o and "form" in o:
                    found.append(o)
                for v in o.values():
                    walk(v)
            elif isinstance(o, list):
                for v in o:
                    walk(v)
        walk(doc)
    return found


SEED = seed_matters()
UNPUBLISHED = sorted(m["code"] for m in SEED if m.get("status") in ("draft", "unpublished"))
NON_PC = sorted(m["code"] for m in SEED if m.get("status") == "published" and isinstance(m.get("channels"), list)
                and "pc" not in m["channels"])


def test_seed_has_hidden_matters():
    assert UNPUBLISHED, "the seed data contains no draft/unpublished matter, so their exclusion is untested"


@pytest.mark.parametrize("code", UNPUBLISHED or ["(none)"])
def test_unpublished_matters_never_listed_nor_readable(anon, matters, code):
    if code == "(none)":
        pytest.skip("no draft/unpublished matter in the seed")
    assert code not in {m["code"] for m in matters}
    expect_error(anon.get("/api/v1/matters/" + code), 404, "MATTER_NOT_FOUND")
    r = anon.post(f"/api/v1/matters/{code}/form/validate", json={"form": {}})
    expect_error(r, 404, "MATTER_NOT_FOUND")
    hot = anon.get("/api/v1/matters/hot").json()["items"]
    assert code not in {i["code"] for i in hot}
    seed = next(m for m in SEED if m["code"] == code)
    # not found by searching its own name either
    assert code not in full_set(anon, q=seed["name"][:2])


@pytest.mark.parametrize("code", NON_PC or ["(none)"])
def test_non_pc_matters_not_listed(anon, matters, code):
    if code == "(none)":
        pytest.skip("every seeded matter is on the PC channel")
    assert code not in {m["code"] for m in matters}
    seed = next(m for m in SEED if m["code"] == code)
    assert code not in full_set(anon, q=seed["name"][:2])


def test_unpublished_case_submission_refused(citizen):
    if not UNPUBLISHED:
        pytest.skip("no draft/unpublished matter in the seed")
    r = citizen.client.post("/api/v1/cases", json={"matter_code": UNPUBLISHED[0], "region": "230102", "form": {},
                                                   "materials": []})
    expect_error(r, 404, "MATTER_NOT_FOUND")


# ---------------------------------------------------------------- hostile q


@pytest.mark.parametrize("q", ["' OR 1=1 --", "%", "_", "%%", "\"; DROP TABLE matters; --", "' UNION SELECT * FROM users --",
                               "\\", "*", "护照' OR '1'='1", "\u0000", "NEAR(护照)", "护照 OR 驾驶", "\"护照\"", "护照*",
                               "{\"$ne\":1}", "<script>alert(1)</script>"])
def test_search_metacharacters(anon, matters, q):
    r = anon.get("/api/v1/matters", params={"q": q, "page_size": 100})
    assert r.status_code in (200, 400), f"q={q!r}: {r.status_code} {r.text[:200]}"
    if r.status_code == 400:
        assert q == "\u0000", f"q={q!r} refused with 400"
        return
    doc = r.json()
    assert doc["total"] < len(matters), f"q={q!r} matched every matter ({doc['total']})"
    if q == "' OR 1=1 --":
        # the quote and the comment are inert: same hits as the bare words
        assert doc["total"] == lst(anon, q="OR 1=1", page_size=100)["total"]
    if q in ("%", "_", "%%", "\\", "*", "\"; DROP TABLE matters; --"):
        assert doc["total"] == 0, f"q={q!r} should match nothing, got {[i['name'] for i in doc['items']]}"
    # catalog intact afterwards
    assert lst(anon)["total"] == len(matters)


@pytest.mark.parametrize("n", [300, 5000])
def test_search_very_long_q(anon, n):
    q = ("abcdefghij" * (n // 10 + 1))[:n]
    r = anon.get("/api/v1/matters", params={"q": q})
    assert r.status_code in (200, 400, 414), f"{r.status_code}"
    if r.status_code == 200:
        assert r.json()["total"] == 0
