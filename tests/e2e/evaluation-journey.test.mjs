// Browser journey of 好差评 (§3-1-1-7) against a real `tongban serve`: a citizen whose case is finished
// gets an SMS and an in-app message, opens 我的办件, rates it 不满意 and must pick a reason; the rating
// shows in 我的评价 and in the matter's aggregate; a supervisor sees the bad rating in the work portal,
// verifies it, which opens a rectification task due in 15 days, records the fix, and the citizen is told
// by SMS and sees the feedback.
// Run from the repo root: node --test tests/e2e/evaluation-journey.test.mjs   (see tests/e2e/README.md)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  openJourney, makeCitizen, makePassword, cliUserAdd, citizenSignedIn, citizenUpload, citizenLogin, httpClient,
  staffClient as staffApi, staffLogin, smsOutbox, poll, tid, toast,
} from './lib.mjs'

const HUKOU_BOOK = '11230000042898103D002017015000' // 户口簿补领: 即办件 (one evaluation, at completion)
const DAOLI = '哈尔滨市公安局道里分局'
const ALLOWED_4XX = [{ path: '/api/v1/me', status: 401 }, { path: '/api/v1/staff/me', status: 401 }]

test('好差评 journey: finished → told → rate 不满意 with a reason → 我的评价 + aggregate → verify → rectify → feedback', { timeout: 240000 }, async (t) => {
  const j = await openJourney(t, { prefix: 'evaluation-', apps: ['portal', 'work'], allowed4xx: ALLOWED_4XX, viewport: { width: 1440, height: 1000 } })
  const { server, B, step, shot } = j
  const pub = httpClient(B)
  const officer = cliUserAdd(server, { login: 'daoli_off', name: '道里民警', role: 'accept_officer', department: DAOLI, password: 'Tb!Off' + makePassword() })
  const supervisor = cliUserAdd(server, { login: 'daoli_eval', name: '好差评督办员', role: 'evaluation_supervisor', department: DAOLI, password: 'Tb!Ev' + makePassword() })

  const newPage = (viewport) => j.newPage(viewport ? { viewport } : {})
  const outbox = (phone) => smsOutbox(B, phone)

  // ---------- 1. a case of the citizen is finished ----------
  const who = makeCitizen('230102', '19880808')
  let citizen = null
  let serial = ''
  let evaluationId = 0
  let before = null
  await step('a citizen applies for 户口簿补领; 道里分局 accepts and finishes it', async () => {
    citizen = await citizenSignedIn(B, who)
    const upload = await citizenUpload(citizen)
    const form = { applicant_name: who.name, id_number: who.id, phone: who.phone, reason: 'lost', household_address: '哈尔滨市道里区中央大街1号', is_head: 'yes' }
    const r = await citizen.post('/api/v1/cases', { matter_code: HUKOU_BOOK, region: '230102', form, materials: [{ material_id: 'M01', upload_id: upload }] })
    assert.equal(r.status, 201, JSON.stringify(r.body))
    serial = r.body.serial
    before = (await pub.get(`/api/v1/matters/${HUKOU_BOOK}/evaluations`)).body
    const off = await staffApi(B, officer)
    for (const body of [{ action: 'accept' }, { action: 'finish', result: '已补领户口簿' }]) {
      const a = await off.post(`/api/v1/work/cases/${serial}/actions`, body)
      assert.equal(a.status, 200, JSON.stringify(a.body))
    }
  })

  await step('the citizen is told by SMS and in-app: 已办结，请评价', async () => {
    const sms = await poll(async () => (await outbox(who.phone)).find((m) => m.text.includes(serial) && m.text.includes('请评价')))
    assert.ok(sms, 'an SMS asking for the evaluation')
    assert.match(sms.text, /^【黑龙江公安】.*已办结/)
    const inbox = (await citizen.get('/api/v1/me/messages')).body.items
    const msg = inbox.find((m) => m.kind === 'evaluation' && m.body.includes(serial))
    assert.ok(msg, 'an in-app message: ' + JSON.stringify(inbox))
    evaluationId = Number(/\/my\/evaluations\/(\d+)/.exec(msg.link)[1])
  })

  // ---------- 2. the citizen rates it 不满意 in the portal ----------
  const cp = await newPage()
  await step('the citizen signs in and opens 我的办件 → 评价', async () => {
    await citizenLogin(cp, who.id, who.password)
    await cp.waitForURL((u) => !u.pathname.startsWith('/login'))
    await cp.goto('/my/cases')
    await tid(cp, 'case-row').filter({ hasText: serial }).waitFor()
    await shot(cp, 'my-cases')
    await tid(cp, 'case-row').filter({ hasText: serial }).locator('[data-testid="case-rate"]').click()
    await tid(cp, 'rate-form').waitFor()
    assert.equal(new URL(cp.url()).pathname, '/my/evaluations/' + evaluationId)
  })

  await step('不满意 needs a reason: refused without one, accepted with a tag and text', async () => {
    await tid(cp, 'level-dissatisfied').click()
    await tid(cp, 'reason-tags').waitFor()
    await tid(cp, 'rate-submit').click()
    assert.match(await tid(cp, 'rate-error').innerText(), /理由/)
    await shot(cp, 'reason-required')
    await tid(cp, 'tag-slow').check()
    await tid(cp, 'rate-content').fill('排队等候时间太长')
    await tid(cp, 'rate-submit').click()
    await tid(cp, 'evaluation-notice').waitFor()
    assert.equal(await tid(cp, 'evaluation-level').innerText(), '不满意')
    await shot(cp, 'rated')
  })

  await step('the rating shows in 我的评价 and in the matter’s aggregate', async () => {
    await cp.goto('/my/cases')
    await tid(cp, 'link-my-evaluations').click()
    const row = tid(cp, 'evaluation-row').filter({ hasText: serial })
    await row.waitFor()
    assert.equal(await row.locator('[data-testid="evaluation-level"]').innerText(), '不满意')
    await shot(cp, 'my-evaluations')
    await cp.goto('/matters/' + HUKOU_BOOK)
    const agg = tid(cp, 'agg-dissatisfied')
    await agg.waitFor()
    assert.match(await agg.innerText(), new RegExp('不满意\\s*' + (before.counts.dissatisfied + 1) + '\\s*$'))
    assert.match(await tid(cp, 'guide-evaluations').innerText(), new RegExp('共 ' + (before.total + 1) + ' 条'))
    await tid(cp, 'guide-evaluations').scrollIntoViewIfNeeded()
    await shot(cp, 'matter-aggregate')
  })

  // ---------- 3. the supervisor verifies it and rectifies ----------
  const sp = await newPage({ width: 1600, height: 1000 })
  let rid = 0
  await step('the supervisor sees the bad rating and verifies it: a rectification task due in 15 days', async () => {
    await staffLogin(sp, supervisor)
    assert.equal(await tid(sp, 'menu-todo').count(), 0, 'no workbench for the supervisor')
    await tid(sp, 'menu-evaluations').click()
    await tid(sp, 'ev-serial').fill(serial)
    await tid(sp, 'ev-search').click()
    await tid(sp, 'ev-level-' + evaluationId).waitFor()
    assert.equal(await tid(sp, 'ev-level-' + evaluationId).innerText(), '不满意')
    await shot(sp, 'work-list')
    await tid(sp, 'ev-verify-' + evaluationId).click()
    await tid(sp, 'ev-verify-note').fill('经调取叫号记录，等候超过一小时，属实')
    await tid(sp, 'ev-verify-requirement').fill('高峰时段增开窗口')
    await shot(sp, 'verify-dialog')
    await tid(sp, 'ev-verify-ok').click()
    await tid(sp, 'rectifications').waitFor()
    const tasks = (await (await staffApi(B, supervisor)).get('/api/v1/work/rectifications?status=open')).body.items
    const task = tasks.find((x) => x.evaluation_id === evaluationId)
    assert.ok(task, 'a rectification task')
    rid = task.id
    const due = new Date(Date.now() + 15 * 86400 * 1000 + 8 * 3600 * 1000).toISOString().slice(0, 10)
    assert.equal(await tid(sp, 'rect-due-' + rid).innerText(), due)
    await shot(sp, 'rectifications')
  })

  await step('the supervisor records the fix and the feedback', async () => {
    await tid(sp, 'rect-done-' + rid).click()
    await tid(sp, 'rect-fix').fill('高峰时段增开两个窗口，启用预约分流')
    await tid(sp, 'rect-feedback').fill('已在高峰时段增开窗口，等候时间明显缩短')
    await tid(sp, 'rect-done-ok').click()
    await toast(sp, '整改已完成')
    assert.equal((await (await staffApi(B, supervisor)).get('/api/v1/work/rectifications/' + rid)).body.status, 'done')
    await shot(sp, 'rectified')
  })

  // ---------- 4. the citizen is told ----------
  await step('the citizen gets an SMS and sees the feedback in the portal', async () => {
    const sms = await poll(async () => (await outbox(who.phone)).find((m) => m.text.includes('已在高峰时段增开窗口')))
    assert.ok(sms, 'the feedback SMS')
    assert.ok(sms.text.includes(serial))
    await cp.goto('/my/evaluations/' + evaluationId)
    await tid(cp, 'evaluation-feedback').waitFor()
    assert.equal(await tid(cp, 'feedback-text').innerText(), '已在高峰时段增开窗口，等候时间明显缩短')
    assert.equal(await tid(cp, 'evaluation-change').count(), 0, 'a verified rating cannot be changed')
    await shot(cp, 'feedback')
    await cp.goto('/my/evaluations')
    assert.match(await tid(cp, 'evaluation-rectification').first().innerText(), /已整改/)
  })
  j.passed()
})
