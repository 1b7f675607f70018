// Browser journey of the knowledge base (知识库, §2-1-3-3-6) against a real `tongban serve`: a knowledge
// editor writes an item in the work portal and submits it; a reviewer publishes it; it then answers a
// public question. A citizen's 不满意 rating reaches the editor's 评价处置 list; the fix goes through
// review again. The portal shows the notices with their footer link.
// Run from the repo root: node --test tests/e2e/kb.test.mjs   (see tests/e2e/README.md)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { openJourney, cliUserAdd, makePassword, httpClient, staffLogin, tid, toast, pickOption, poll } from './lib.mjs'

// 401 of /api/v1/staff/me (work login page) and /api/v1/me (portal visitor) are how the apps learn nobody is signed in.
const ALLOWED_4XX = [{ path: '/api/v1/staff/me', status: 401 }, { path: '/api/v1/me', status: 401 }]
const QUESTION = '临时身份证明怎么开具'
const ANSWER = '可到户籍所在地派出所开具临时身份证明，当场办结。'

test('knowledge base journey: edit → submit → review → publish → public answer → bad rating → fix', { timeout: 240000 }, async (t) => {
  const j = await openJourney(t, { prefix: 'kb-', apps: ['portal', 'work'], allowed4xx: ALLOWED_4XX, viewport: { width: 1500, height: 950 } })
  const { server, B, step, shot } = j
  const pub = httpClient(B)
  const editor = cliUserAdd(server, { login: 'kbeditor', name: '知识编辑甲', role: 'kb_editor', password: 'Tb!Kb' + makePassword() })
  const reviewer = cliUserAdd(server, { login: 'kbreviewer', name: '知识审核乙', role: 'kb_reviewer', password: 'Tb!Kr' + makePassword() })
  const ed = await j.newPage()
  const rv = await j.newPage()
  let itemId = 0

  await step('the editor writes a knowledge item and submits it for review', async () => {
    await staffLogin(ed, editor)
    await tid(ed, 'menu-kb-items').click()
    await tid(ed, 'kb-items').waitFor()
    await tid(ed, 'kb-new').click()
    await tid(ed, 'kb-f-category').click()
    await pickOption(ed, '居民身份证')
    await tid(ed, 'kb-f-question').fill(QUESTION)
    await tid(ed, 'kb-f-similar').fill('开临时身份证明\n临时身份证明在哪开')
    await tid(ed, 'kb-f-answer').fill(`<p>${ANSWER}</p><script>alert(1)</script>`)
    await tid(ed, 'kb-f-source').fill('黑龙江省公安厅治安管理总队')
    await tid(ed, 'kb-save').click()
    await toast(ed, /已保存/)
    await ed.waitForURL(/\/work\/kb\/items\/\d+$/)
    itemId = Number(/items\/(\d+)$/.exec(ed.url())[1])
    assert.match(await tid(ed, 'kb-item-status').innerText(), /编辑中/)
    assert.doesNotMatch(await tid(ed, 'kb-preview').innerHTML(), /script/, 'the answer is sanitized')
    await tid(ed, 'kb-submit').click()
    await toast(ed, /已提交审核/)
    assert.match(await tid(ed, 'kb-item-status').innerText(), /待审核/)
    assert.equal(await tid(ed, 'kb-approve').count(), 0, 'an editor cannot review')
    await shot(ed, 'editor-submitted')
  })

  await step('not answered before review', async () => {
    const r = await pub.get('/api/v1/kb/answer?q=' + encodeURIComponent(QUESTION))
    assert.equal(r.status, 200)
    assert.ok(!r.body.items.some((i) => i.id === itemId))
  })

  await step('the reviewer finds it in 知识审核 and publishes it', async () => {
    await staffLogin(rv, reviewer)
    await tid(rv, 'menu-kb-review').click()
    await tid(rv, 'kb-row-' + itemId).click()
    await tid(rv, 'kb-item').waitFor()
    await tid(rv, 'kb-opinion').fill('内容准确，同意发布')
    await shot(rv, 'reviewer-item')
    await tid(rv, 'kb-approve').click()
    await toast(rv, /已发布/)
    assert.match(await tid(rv, 'kb-item-status').innerText(), /已发布/)
    await tid(rv, 'kb-live').waitFor()
  })

  await step('the published item answers a public question', async () => {
    const r = await poll(async () => {
      const a = await pub.get('/api/v1/kb/answer?q=' + encodeURIComponent('临时身份证明在哪开') + '&region=230102')
      return a.body.items.length && a.body.items[0].id === itemId ? a : null
    })
    assert.match(r.body.items[0].answer, new RegExp(ANSWER))
    assert.equal(r.body.items[0].library, '户政')
  })

  await step('a 不满意 rating reaches 评价处置; the fix is reviewed before it is live', async () => {
    const rated = await pub.post('/api/v1/kb/ratings', { item_id: itemId, question: QUESTION, reason_tags: '答案不完整', text: '没说要带什么' })
    assert.equal(rated.status, 201)
    await tid(ed, 'menu-kb-ratings').click()
    await tid(ed, 'kb-ratings').waitFor()
    const open = ed.locator('[data-testid^="kb-rating-open-"]', { hasText: QUESTION }).first()
    await open.waitFor()
    await shot(ed, 'ratings')
    await open.click()
    await tid(ed, 'kb-item-rating').waitFor()
    await tid(ed, 'kb-f-answer').fill(`<p>${ANSWER}请携带户口簿。</p>`)
    await tid(ed, 'kb-save').click()
    await toast(ed, /已保存/)
    await tid(ed, 'kb-submit').click()
    await toast(ed, /已提交审核/)
    let a = await pub.get('/api/v1/kb/answer?q=' + encodeURIComponent(QUESTION))
    assert.doesNotMatch(a.body.items[0].answer, /户口簿/, 'the live version keeps answering until review')
    await rv.goto('/work/kb/items/' + itemId)
    await tid(rv, 'kb-approve').click()
    await toast(rv, /已发布/)
    a = await pub.get('/api/v1/kb/answer?q=' + encodeURIComponent(QUESTION))
    assert.match(a.body.items[0].answer, /户口簿/)
  })

  await step('statistics: the 运营管理 pie shows the questions per library', async () => {
    await tid(ed, 'menu-kb-stats').click()
    await tid(ed, 'kb-stats').waitFor()
    await tid(ed, 'pie-户政').waitFor()
    assert.ok(Number(await tid(ed, 'kb-stat-queries').innerText()) >= 3)
    await shot(ed, 'stats')
  })

  await step('the portal lists the notices from its footer', async () => {
    const p = await j.newPage()
    await p.goto('/')
    await tid(p, 'footer-notices').click()
    await tid(p, 'content-list-notice').waitFor()
    const first = p.locator('[data-testid^="content-item-"] a').first()
    const title = await first.innerText()
    await first.click()
    await tid(p, 'content-detail').waitFor()
    assert.equal(await tid(p, 'content-title').innerText(), title)
    await shot(p, 'portal-notice')
  })
  j.passed()
})
