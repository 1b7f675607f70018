// Browser journey of a complaint (§1-1-3-7-4-4, §2-1-6-3) against a real `tongban serve`: a citizen
// submits a complaint about 道里分局 in the portal; in the work portal a 投诉受理员 registers and
// investigates it, a 投诉审核领导 reviews it, the 受理员 concludes it (成立, naming the officer); the
// citizen is told by SMS and in-app message and reads the conclusion in 我的投诉 after the SMS
// second-factor check; the reviewer sees it in 投诉统计.
// Run from the repo root: node --test tests/e2e/feedback-journey.test.mjs   (see tests/e2e/README.md)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  openJourney, makeCitizen, makePassword, cliUserAdd, citizenSignedIn, citizenLogin, staffLogin, smsOutbox, waitSmsCode,
  poll, tid, toast, pickOption,
} from './lib.mjs'

const DAOLI = '哈尔滨市公安局道里分局'

// 401 from GET /api/v1/me and /api/v1/staff/me is how the apps learn nobody is signed in; the
// conclusion answers 403 ELEVATION_REQUIRED until the SMS second factor is passed, on purpose.
const ALLOWED_4XX = [
  { path: '/api/v1/me', status: 401 },
  { path: '/api/v1/staff/me', status: 401 },
  { path: '/conclusion', status: 403 },
]

test('complaint journey: portal complaint → register → investigate → review → conclude → SMS second factor → conclusion', { timeout: 300000 }, async (t) => {
  const j = await openJourney(t, { prefix: 'feedback-', apps: ['portal', 'work'], allowed4xx: ALLOWED_4XX, viewport: { width: 1440, height: 960 } })
  const { server, B, step, shot } = j

  const officer = cliUserAdd(server, { login: 'tsslr1', name: '投诉受理员甲', role: 'complaint_officer', department: DAOLI, password: 'Tb!Of' + makePassword() })
  const reviewer = cliUserAdd(server, { login: 'tsshld1', name: '投诉审核领导乙', role: 'complaint_reviewer', department: DAOLI, password: 'Tb!Rv' + makePassword() })
  const accused = cliUserAdd(server, { login: 'dlmj1', name: '窗口民警丙', role: 'accept_officer', department: DAOLI, password: 'Tb!Ac' + makePassword() })
  const who = makeCitizen('230102', '19880315', { password: 'Tb#' + makePassword() })
  await citizenSignedIn(B, who) // registered through the API; the browser signs in itself

  const newPage = () => j.newPage()
  // one complaint step in the work portal's detail page: button, opinion, confirm
  async function act (p, action, opinion, extra) {
    await tid(p, 'fb-act-' + action).click()
    const dlg = tid(p, 'fb-dialog')
    await tid(p, 'fb-opinion').fill(opinion)
    if (extra) await extra(p)
    await tid(p, 'fb-dialog-ok').click()
    await toast(p, /完成/)
    await dlg.waitFor({ state: 'hidden' }).catch(() => {})
  }

  const TITLE = '护照窗口排队三小时无人引导'
  let fid = null

  // ---------- 1. the citizen submits a complaint about 道里分局 ----------
  const citizen = await newPage()
  await step('citizen signs in and submits a complaint from the header entry 咨询投诉', async () => {
    await citizenLogin(citizen, who.id, who.password)
    await tid(citizen, 'user-name').waitFor()
    await tid(citizen, 'nav-feedback').click()
    await tid(citizen, 'fb-new-form').waitFor()
    await tid(citizen, 'fb-new-tab-complaint').click()
    await citizen.waitForURL(/kind=complaint/)
    // bad input is refused on the page before anything is sent
    await tid(citizen, 'fb-new-submit').click()
    await citizen.locator('.field-error', { hasText: '请选择部门' }).waitFor()
    const deptOption = await tid(citizen, 'fb-new-dept').locator('option', { hasText: DAOLI }).first().getAttribute('value')
    await tid(citizen, 'fb-new-dept').selectOption(deptOption)
    await tid(citizen, 'fb-new-title').fill(TITLE)
    await tid(citizen, 'fb-new-content').fill('11月28日上午在道里分局出入境窗口办理护照，排队三小时，期间无人引导，窗口民警态度生硬。')
    await tid(citizen, 'fb-new-email').fill('citizen@example.com')
    await shot(citizen, 'citizen-form')
    await tid(citizen, 'fb-new-submit').click()
    await tid(citizen, 'fb-submitted').waitFor()
    await citizen.waitForURL(/\/my\/complaints\/\d+/)
    fid = Number(/\/my\/complaints\/(\d+)/.exec(citizen.url())[1])
    assert.equal(await tid(citizen, 'fb-detail-title').innerText(), TITLE)
    assert.match(await tid(citizen, 'fb-detail-status').innerText(), /待处理/)
    await shot(citizen, 'citizen-submitted')
  })

  // ---------- 2. the 投诉受理员 registers and investigates ----------
  const off = await newPage()
  await step('complaint officer registers and investigates in the work portal', async () => {
    await staffLogin(off, officer)
    await tid(off, 'menu-feedback').click()
    await tid(off, 'fb-table').waitFor()
    assert.equal(await tid(off, 'menu-complaint-stats').count(), 0, 'no statistics for the officer')
    await tid(off, 'fb-row-' + fid).waitFor()
    assert.match(await tid(off, 'fb-due-' + fid).innerText(), /剩余 \d+ 个工作日/)
    await shot(off, 'officer-list')
    await tid(off, 'fb-row-' + fid).click()
    await off.waitForURL(new RegExp('/work/feedback/' + fid))
    assert.equal(await tid(off, 'fb-title').innerText(), TITLE)
    assert.equal(await tid(off, 'fb-act-review').count(), 0, 'the officer cannot review')
    await act(off, 'register', '已登记，转道里分局出入境窗口核查')
    await tid(off, 'fb-step-register').waitFor()
    await act(off, 'investigate', '调取当日排队记录和窗口录像，情况属实')
    await tid(off, 'fb-step-investigate').waitFor()
    assert.match(await tid(off, 'fb-detail-status').innerText(), /已调查/)
    assert.equal(await tid(off, 'fb-act-investigate').count(), 0)
    await shot(off, 'officer-investigated')
  })

  // ---------- 3. the 投诉审核领导 reviews ----------
  const lead = await newPage()
  await step('complaint reviewer reviews it', async () => {
    await staffLogin(lead, reviewer)
    await lead.goto('/work/feedback/' + fid)
    await tid(lead, 'fb-act-review').waitFor()
    assert.equal(await tid(lead, 'fb-act-register').count(), 0)
    await act(lead, 'review', '同意调查意见，依规处理')
    await tid(lead, 'fb-step-review').waitFor()
    assert.match(await tid(lead, 'fb-detail-status').innerText(), /已审核/)
    await shot(lead, 'reviewer-reviewed')
  })

  // ---------- 4. the 受理员 concludes: 成立, naming the officer ----------
  await step('complaint officer concludes it: 成立, the department and the officer complained about', async () => {
    await off.reload()
    await tid(off, 'fb-act-conclude').waitFor()
    await act(off, 'conclude', '投诉成立。已责令窗口增设引导岗，并对当事民警批评教育，向您致歉。', async (p) => {
      await tid(p, 'fb-finding-founded').click()
      await tid(p, 'fb-target-staff').click()
      await pickOption(p, accused.name)
    })
    await tid(off, 'fb-step-conclude').waitFor()
    assert.match(await tid(off, 'fb-detail-status').innerText(), /已办结/)
    assert.match(await tid(off, 'fb-finding').innerText(), /成立/)
    assert.match(await off.locator('.el-descriptions').innerText(), new RegExp(accused.name))
    await shot(off, 'officer-concluded')
  })

  // ---------- 5. the citizen is told, and reads the conclusion after the SMS second factor ----------
  await step('citizen gets the SMS, opens 我的投诉 and reads the conclusion after the SMS check', async () => {
    let sms = []
    await poll(async () => {
      sms = (await smsOutbox(B, who.phone)).filter((m) => /投诉/.test(m.text) && /已办结/.test(m.text))
      return sms.length
    }, 10000, 200)
    assert.ok(sms.length, 'an SMS tells the citizen the complaint is concluded')
    assert.ok(!/致歉/.test(sms[0].text), 'the SMS does not carry the conclusion itself')
    await tid(citizen, 'user-name').click()
    await tid(citizen, 'menu-my-complaints').click()
    await citizen.waitForURL(/\/my\/complaints$/)
    const row = citizen.locator(`[data-testid="fb-row"][data-id="${fid}"]`)
    await row.waitFor()
    assert.match(await row.locator('[data-testid="fb-row-status"]').innerText(), /已办结/)
    await shot(citizen, 'citizen-my-complaints')
    await row.locator('[data-testid="fb-row-link"]').click()
    await tid(citizen, 'fb-show-conclusion').waitFor()
    assert.equal(await tid(citizen, 'fb-conclusion').count(), 0, 'no conclusion before the second factor')
    assert.ok(!/致歉/.test(await tid(citizen, 'fb-detail').innerText()))
    await tid(citizen, 'fb-show-conclusion').click()
    await tid(citizen, 'elevate-dialog').waitFor()
    await tid(citizen, 'elevate-send').click()
    const code = await waitSmsCode(B, who.phone, 'elevate')
    assert.match(code, /^\d{6}$/, 'the second-factor code is in the sandbox outbox')
    await tid(citizen, 'elevate-code').fill(code)
    await shot(citizen, 'citizen-elevate')
    await tid(citizen, 'elevate-dialog-ok').click()
    await tid(citizen, 'fb-conclusion').waitFor()
    assert.equal(await tid(citizen, 'fb-conclusion-finding').innerText(), '成立')
    assert.match(await tid(citizen, 'fb-conclusion-result').innerText(), /增设引导岗/)
    assert.ok(!(await tid(citizen, 'fb-conclusion').innerText()).includes(accused.name), 'the officer is not named to the citizen')
    await shot(citizen, 'citizen-conclusion')
  })

  // ---------- 6. the statistics count it for the department and the officer ----------
  await step('reviewer sees the complaint in 投诉统计 for 道里分局 and the officer', async () => {
    await tid(lead, 'menu-complaint-stats').click()
    await tid(lead, 'stats-departments').waitFor()
    const deptRow = tid(lead, 'stats-departments').locator('tr', { hasText: DAOLI }).first()
    await deptRow.waitFor()
    const cells = await deptRow.locator('td').allInnerTexts()
    assert.deepEqual(cells.slice(1, 4).map((s) => s.trim()), ['1', '1', '1'], 'received 1, concluded 1, founded 1')
    await tid(lead, 'stats-officers').locator('tr', { hasText: accused.name }).first().waitFor()
    await shot(lead, 'reviewer-stats')
  })
  j.passed()
})
