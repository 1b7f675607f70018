// Browser journey of issue 4 (网上预约、大厅排队叫号) against a real `tongban serve`:
// a citizen books 普通护照签发 at the 出入境 hall (next working day 10:00–11:00), gets a confirmation
// with a QR code, sees it in 我的预约; a second booking for the same matter and ID number is refused;
// cancel and book again works; reschedule moves it. On the day (the booking row is moved to today
// in the database) the kiosk checks in by ID number with the keyboard only and prints a Y number,
// the window officer calls it, the hall screen shows it in large type, and the citizen's sandbox
// SMS outbox has the messages at issue, call and acceptance.
// Run from the repo root: node --test tests/e2e/booking-journey.test.mjs   (see tests/e2e/README.md)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import {
  openJourney, makeCitizen, makePassword, cliUserAdd, citizenSignedIn, citizenLogin, staffLogin, smsOutbox, waitSmsCode,
  sql, poll, tid, toast, pickOption,
} from './lib.mjs'

const PASSPORT = { code: '11230000MB1917443F000117004000', name: '普通护照签发' }
const HALL = '哈尔滨市公安局出入境管理支队办证大厅'
const HALL_DEPT = '哈尔滨市公安局出入境管理支队'

// Expected refusals: who-am-I probes before login, the second booking for the same ID number and
// matter (409 BOOKING_DUPLICATE), a forged QR code at the kiosk (400 QR_INVALID), and a walk-in
// number asked for while the calendar says today is not a working day (409 HALL_CLOSED).
const ALLOWED_4XX = [
  { path: '/api/v1/me', status: 401 },
  { path: '/api/v1/staff/me', status: 401 },
  { path: '/api/v1/bookings', status: 409 },
  { path: '/api/v1/bookings', status: 403 }, // 我的预约 asks for the SMS second factor first (ELEVATION_REQUIRED)
  { path: '/checkin', status: 400 },
  { path: '/tickets', status: 409 },
]

const hmToMin = (s) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5))

test('booking journey: book → 我的预约 → duplicate refused → cancel → book again → kiosk check-in → call → screen → SMS', { timeout: 360000 }, async (t) => {
  const j = await openJourney(t, { prefix: 'booking-', apps: ['portal', 'work'], allowed4xx: ALLOWED_4XX, viewport: { width: 1440, height: 960 }, settleMs: 200 })
  const { server, B, api, problems, step, shot } = j
  const newPage = (viewport) => j.newPage(viewport ? { viewport } : {})

  // ---------- accounts: the citizen through the API (sandbox SMS), staff through the CLI ----------
  const who = makeCitizen('230103', '19880315')
  await citizenSignedIn(B, who)
  const sfx = randomBytes(3).toString('hex') // unique logins: a PostgreSQL run shares its database with the other journeys
  const sysadm = cliUserAdd(server, { login: 'bksys' + sfx, name: '大厅系统管理员', role: 'sys_admin', password: 'Tb!Sys' + makePassword() })
  const kiosk = cliUserAdd(server, { login: 'bkkiosk' + sfx, name: '出入境取号机', role: 'hall_kiosk', department: HALL_DEPT, password: 'Tb!Ki' + makePassword() })
  const officer = cliUserAdd(server, { login: 'bkwin' + sfx, name: '出入境窗口民警', role: 'hall_officer', department: HALL_DEPT, password: 'Tb!Wi' + makePassword() })

  const halls = await api('/api/v1/halls?matter=' + PASSPORT.code)
  assert.equal(halls.status, 200)
  const hall = halls.body.items.find((h) => h.name === HALL)
  assert.ok(hall, 'the 出入境 hall books 普通护照签发')

  // the next n working days after today by the shared holiday calendar (GET /api/v1/calendar)
  async function nextWorkingDays (n) {
    const y = Number(today.slice(0, 4))
    const marks = new Map()
    for (const year of [y, y + 1]) {
      const r = await api('/api/v1/calendar?year=' + year)
      for (const it of (r.body && r.body.items) || []) marks.set(it.day, it.kind)
    }
    const out = []
    for (let t = Date.parse(today + 'T00:00:00Z') + 864e5; out.length < n; t += 864e5) {
      const d = new Date(t).toISOString().slice(0, 10)
      const wd = new Date(t).getUTCDay()
      const working = marks.get(d) === 'workday' || (marks.get(d) !== 'holiday' && wd >= 1 && wd <= 5)
      if (working) out.push(d)
    }
    return out
  }


  // 我的预约 needs the SMS second factor (§1-1-3-7-4-10): the dialog opens, the code comes from the sandbox outbox
  async function passElevation (p) {
    await tid(p, 'elevate-dialog').waitFor()
    const before = (await smsOutbox(B, who.phone)).length
    await tid(p, 'elevate-send').click()
    const code = await waitSmsCode(B, who.phone, 'elevate', before)
    assert.match(code, /^\d{6}$/, 'the elevation code reached the sandbox outbox')
    await tid(p, 'elevate-code').fill(code)
    await tid(p, 'elevate-dialog-ok').click()
    await tid(p, 'elevate-dialog').waitFor({ state: 'detached' })
  }

  // ---------- 1. the citizen signs in and opens the passport guide ----------
  const page = await newPage()
  await step('citizen logs in; the passport guide offers 预约办理', async () => {
    await citizenLogin(page, who.id, who.password)
    await tid(page, 'user-name').waitFor()
    await page.goto('/matters/' + PASSPORT.code)
    await tid(page, 'guide-title').waitFor()
    await tid(page, 'book-online').waitFor()
    await shot(page, 'guide')
    await tid(page, 'book-online').click()
    await page.waitForURL(/\/booking\//)
  })

  // ---------- 2. hall → five working days with one-hour slots and places left ----------
  const slots = (await api(`/api/v1/halls/${hall.id}/slots?matter=${PASSPORT.code}`)).body
  const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10)
  const firstDay = slots.days[0]
  await step('hall list, then five working days of one-hour slots with places left', async () => {
    const item = page.locator('[data-testid="hall-item"]', { hasText: HALL })
    await item.waitFor()
    const text = await item.innerText()
    assert.ok(text.includes(hall.address), 'hall address shown')
    assert.ok(text.includes(hall.phone), 'hall phone shown')
    assert.match(await tid(page, 'hall-waiting-' + hall.id).innerText(), /当前等待人数/)
    await shot(page, 'halls')
    await tid(page, 'choose-hall-' + hall.id).click()
    await tid(page, 'slot-grid').waitFor()
    assert.equal(slots.days.length, 5, 'the API opens five working days')
    const tabs = tid(page, 'day-tabs').locator('[data-day]')
    assert.equal(await tabs.count(), 5, 'five day tabs')
    const shownDays = await tabs.evaluateAll((els) => els.map((e) => e.getAttribute('data-day')))
    assert.deepEqual(shownDays, slots.days.map((d) => d.day))
    assert.ok(shownDays[0] > today, 'booking opens from the next day')
    assert.deepEqual(shownDays, await nextWorkingDays(5), 'the next five working days (calendar: weekends, holidays, 调休)')
    await tid(page, 'day-' + firstDay.day).click()
    for (const s of firstDay.slots) {
      assert.equal(hmToMin(s.end) - hmToMin(s.start), 60, 'one-hour slots')
      const btn = tid(page, 'slot-' + s.start)
      assert.equal(await btn.getAttribute('data-left'), String(s.left))
      if (s.open) assert.match(await btn.innerText(), new RegExp('剩余 ' + s.left))
    }
    assert.ok(firstDay.slots.some((s) => s.start === '10:00' && s.open), '10:00–11:00 is open on the next working day')
    await shot(page, 'slots')
  })

  // ---------- 3. book 10:00–11:00 on the next working day ----------
  let booking1 = ''
  const left10 = firstDay.slots.find((s) => s.start === '10:00').left
  await step('book 10:00–11:00: confirmation with QR code, hall, address, time, validity, code', async () => {
    await tid(page, 'slot-10:00').click()
    await tid(page, 'slot-next').click()
    await tid(page, 'confirm-step').waitFor()
    assert.match(await tid(page, 'confirm-when').innerText(), new RegExp(firstDay.day + '.*10:00–11:00'))
    assert.match(await tid(page, 'self-identity').innerText(), /\*/, 'own identity, masked')
    await shot(page, 'confirm')
    await tid(page, 'booking-submit').click()
    await page.waitForURL(/\/booking\/done\//)
    assert.equal((await tid(page, 'booking-result').innerText()).trim(), '预约成功')
    assert.match(await tid(page, 'booking-message').innerText(), /预约成功/)
    booking1 = (await tid(page, 'booking-code').innerText()).trim()
    assert.match(booking1, /^[0-9A-Z]{8,}$/)
    assert.equal((await tid(page, 'booking-hall').innerText()).trim(), HALL)
    assert.equal((await tid(page, 'booking-address').innerText()).trim(), hall.address)
    assert.match(await tid(page, 'booking-day').innerText(), new RegExp(firstDay.day))
    assert.equal((await tid(page, 'booking-time').innerText()).trim(), '10:00–11:00')
    assert.match(await tid(page, 'booking-validity').innerText(), /\d{2}:\d{2} 至 \d{2}:\d{2}/)
    const qr = tid(page, 'booking-qr')
    await qr.waitFor()
    await page.waitForFunction(() => { const i = document.querySelector('[data-testid="booking-qr"]'); return i && i.complete && i.naturalWidth > 0 })
    const after = (await api(`/api/v1/halls/${hall.id}/slots?matter=${PASSPORT.code}`)).body
    assert.equal(after.days[0].slots.find((s) => s.start === '10:00').left, left10 - 1, 'one place fewer')
    await shot(page, 'booked')
  })

  await step('我的预约 lists it as 已预约', async () => {
    await tid(page, 'header-my-bookings').click()
    await page.waitForURL(/\/my\/bookings$/)
    await passElevation(page)
    const row = page.locator(`[data-testid="booking-row"][data-code="${booking1}"]`)
    await row.waitFor()
    assert.match(await row.locator('[data-testid="booking-row-status"]').innerText(), /已预约/)
    assert.match(await row.locator('[data-testid="booking-row-when"]').innerText(), new RegExp(firstDay.day + ' 10:00–11:00'))
    await shot(page, 'my-bookings')
  })

  // ---------- 4. a second booking for the same matter and ID number is refused ----------
  await step('a second booking for the same matter and ID number is refused with a clear message', async () => {
    await page.goto(`/booking/${PASSPORT.code}?hall=${hall.id}`)
    await tid(page, 'slot-grid').waitFor()
    await tid(page, 'day-' + firstDay.day).click()
    await tid(page, 'slot-11:00').click()
    await tid(page, 'slot-next').click()
    await tid(page, 'booking-submit').click()
    const err = tid(page, 'error-id_number')
    await err.waitFor()
    assert.match(await err.innerText(), /只能有一个有效预约/)
    assert.ok(page.url().includes('/booking/' + PASSPORT.code), 'stays on the booking page')
    await shot(page, 'duplicate-refused')
  })

  // ---------- 5. cancel, then book again ----------
  let booking2 = ''
  await step('cancel (with a confirmation dialog), then booking again works', async () => {
    await page.goto('/my/bookings')
    const row = page.locator(`[data-testid="booking-row"][data-code="${booking1}"]`)
    await row.locator('[data-testid="booking-cancel"]').click()
    await tid(page, 'cancel-dialog').waitFor()
    await shot(page, 'cancel-dialog')
    await tid(page, 'cancel-dialog-ok').click()
    await tid(page, 'my-bookings-notice').waitFor()
    await page.locator(`[data-testid="booking-row"][data-code="${booking1}"][data-status="cancelled"]`).waitFor()
    assert.match(await row.locator('[data-testid="booking-row-status"]').innerText(), /已取消/)
    await page.goto(`/booking/${PASSPORT.code}?hall=${hall.id}`)
    await tid(page, 'slot-grid').waitFor()
    await tid(page, 'day-' + firstDay.day).click()
    assert.equal(await tid(page, 'slot-10:00').getAttribute('data-left'), String(left10), 'the cancelled place is back')
    await tid(page, 'slot-10:00').click()
    await tid(page, 'slot-next').click()
    await tid(page, 'booking-submit').click()
    await page.waitForURL(/\/booking\/done\//)
    assert.equal((await tid(page, 'booking-result').innerText()).trim(), '预约成功')
    booking2 = (await tid(page, 'booking-code').innerText()).trim()
    assert.notEqual(booking2, booking1)
  })

  await step('reschedule in 我的预约 (choose a new slot, confirm)', async () => {
    await page.goto('/my/bookings')
    const row = page.locator(`[data-testid="booking-row"][data-code="${booking2}"]`)
    await row.locator('[data-testid="booking-reschedule"]').click()
    await tid(page, 'move-dialog').waitFor()
    const second = slots.days[1]
    await tid(page, 'move-dialog').locator(`[data-testid="day-${second.day}"]`).click()
    await tid(page, 'move-dialog').locator('[data-testid="slot-14:00"]').click()
    assert.match(await tid(page, 'move-chosen').innerText(), new RegExp(second.day + ' 14:00–15:00'))
    await shot(page, 'reschedule')
    await tid(page, 'move-dialog-ok').click()
    await tid(page, 'my-bookings-notice').waitFor()
    await page.locator(`[data-testid="booking-row"][data-code="${booking2}"] [data-testid="booking-row-when"]`, { hasText: second.day + ' 14:00–15:00' }).waitFor()
  })

  // ---------- 6. the administrator keeps the hall open all day (hall admin page) ----------
  const admin = await newPage()
  await step('hall admin: hours for every weekday, link to the calendar', async () => {
    await staffLogin(admin, sysadm)
    await tid(admin, 'menu-halls').click()
    await tid(admin, 'hall-table').getByText(HALL).waitFor()
    await tid(admin, 'hall-calendar-link').waitFor()
    await tid(admin, 'hall-edit-' + hall.id).click()
    await tid(admin, 'hall-dialog').waitFor()
    for (let d = 1; d <= 7; d++) await tid(admin, 'hall-f-hours-' + d).fill('00:00-23:59')
    await shot(admin, 'hall-admin-edit')
    await tid(admin, 'hall-save').click()
    await toast(admin, /已保存/)
    const h = (await api('/api/v1/halls/' + hall.id)).body
    for (let d = 1; d <= 7; d++) assert.deepEqual(h.hours[String(d)], ['00:00-23:59'])
    await tid(admin, 'hm-table').getByText(PASSPORT.name).waitFor()
    await shot(admin, 'hall-admin')
  })

  // ---------- 7. on the day: the booking made valid today (database) ----------
  await step('the booking moved to today (database)', async () => {
    const now = Math.floor(Date.now() / 1000)
    const dayNo = Math.floor((now + 8 * 3600) / 86400)
    sql(server, `UPDATE bookings SET day = ${dayNo}, valid_from = ${now - 60}, valid_to = ${now + 3600} WHERE code = '${booking2}'`)
    const b = (await page.evaluate(async (c) => (await fetch('/api/v1/bookings/' + c)).json(), booking2))
    assert.equal(b.day, today, 'the booking is for today now')
  })

  // ---------- 8. the kiosk: keyboard only ----------
  const kp = await newPage({ width: 1366, height: 900 })
  let ticketNo = ''
  await step('kiosk: forged QR refused, check-in by ID number with the keyboard prints a Y number', async () => {
    await staffLogin(kp, kiosk, { next: '/kiosk', whoami: false })
    await tid(kp, 'kiosk-home').waitFor()
    await kp.waitForFunction(() => document.activeElement && document.activeElement.getAttribute('data-testid') === 'kiosk-checkin')
    await shot(kp, 'kiosk-home')
    await kp.keyboard.press('1')
    await tid(kp, 'kiosk-checkin-form').waitFor()
    await kp.waitForFunction(() => document.activeElement && document.activeElement.getAttribute('data-testid') === 'kiosk-read')
    // a forged code (scanned text) is refused
    await kp.keyboard.type('TBQ1.B.ABCDEFGH2345.' + hall.id + '.4102444800.00000000000000000000000000000000')
    await kp.keyboard.press('Enter')
    await tid(kp, 'kiosk-error').waitFor()
    assert.match(await tid(kp, 'kiosk-error').innerText(), /二维码无效|篡改/)
    await shot(kp, 'kiosk-forged')
    await kp.keyboard.type(who.id)
    await kp.keyboard.press('Enter')
    await tid(kp, 'kiosk-ticket').waitFor()
    ticketNo = (await tid(kp, 'kiosk-ticket-no').innerText()).trim()
    assert.match(ticketNo, /^Y\d{3}$/, 'a booked number has the letter Y')
    const ticket = await tid(kp, 'kiosk-ticket').innerText()
    assert.ok(ticket.includes(HALL) && ticket.includes(PASSPORT.name), 'hall and matter on the ticket')
    assert.match(await tid(kp, 'kiosk-ticket-ahead').innerText(), /前面还有 \d+ 人/)
    const size = await tid(kp, 'kiosk-ticket-no').evaluate((el) => parseFloat(getComputedStyle(el).fontSize))
    assert.ok(size >= 80, 'the number in huge type (' + size + 'px)')
    // the print stylesheet shows only the ticket
    await kp.emulateMedia({ media: 'print' })
    assert.equal(await tid(kp, 'kiosk-done').isVisible(), false, 'buttons are not printed')
    assert.ok(await tid(kp, 'kiosk-ticket-no').isVisible(), 'the ticket is printed')
    await kp.emulateMedia({ media: 'screen' })
    await shot(kp, 'kiosk-ticket')
    await kp.keyboard.press('Enter') // 完成 has the focus
    await tid(kp, 'kiosk-home').waitFor()
  })

  await step('kiosk: walk-in number (现场取号) with the keyboard', async () => {
    await kp.keyboard.press('2')
    await tid(kp, 'kiosk-walkin-form').waitFor()
    await kp.keyboard.press('Tab') // phone → first matter
    const focused = await kp.evaluate(() => document.activeElement && document.activeElement.getAttribute('data-testid'))
    assert.match(focused || '', /^kiosk-matter-/, 'Tab moves from the phone to the first matter')
    await kp.locator(`[data-testid="kiosk-matter-${PASSPORT.code}"]`).focus()
    await kp.keyboard.press('Enter')
    // open only on working days (the calendar decides; today may be a weekend)
    await Promise.race([tid(kp, 'kiosk-ticket').waitFor(), tid(kp, 'kiosk-error').waitFor()])
    if (await tid(kp, 'kiosk-ticket').count()) {
      assert.match((await tid(kp, 'kiosk-ticket-no').innerText()).trim(), /^A\d{3}$/, 'a walk-in number has the letter A')
      await shot(kp, 'kiosk-walkin')
      await kp.keyboard.press('Enter')
    } else {
      assert.match(await tid(kp, 'kiosk-error').innerText(), /不在办公时间/)
      await kp.keyboard.press('Escape')
    }
    await tid(kp, 'kiosk-home').waitFor()
  })

  // ---------- 9. the window officer calls the next number ----------
  const wp = await newPage()
  const sp = await newPage({ width: 1920, height: 1080 })
  await step('window officer: choose window 1, 叫号 calls the Y number', async () => {
    await staffLogin(wp, officer)
    await tid(wp, 'menu-hall-window').click()
    await tid(wp, 'win-window').click()
    await pickOption(wp, '护照受理一号窗口')
    await tid(wp, 'win-waiting').getByText(ticketNo).waitFor()
    await shot(wp, 'window-waiting')
    await tid(wp, 'win-call-next').click()
    await wp.waitForFunction((n) => { const e = document.querySelector('[data-testid="win-current-no"]'); return e && e.textContent.trim() === n }, ticketNo)
    assert.match(await tid(wp, 'win-current-status').innerText(), /呼叫中/)
    await shot(wp, 'window-called')
  })

  await step('hall screen (no login): "请 Y… 号到 1 号窗口" in large type', async () => {
    await sp.goto('/work/screen/' + hall.id)
    await sp.waitForFunction((n) => { const e = document.querySelector('[data-testid="screen-call-no"]'); return e && e.textContent.trim() === n }, ticketNo)
    assert.equal((await tid(sp, 'screen-call-window').innerText()).trim(), '1')
    assert.match(await tid(sp, 'screen-call').innerText(), new RegExp('请\\s*' + ticketNo + '\\s*号\\s*到\\s*1\\s*号窗口'))
    const size = await tid(sp, 'screen-call-no').evaluate((el) => parseFloat(getComputedStyle(el).fontSize))
    assert.ok(size >= 120, 'large type (' + size + 'px)')
    assert.ok((await tid(sp, 'screen-recent').innerText()).includes(ticketNo), 'in the last-called list')
    await shot(sp, 'screen')
  })

  await step('开始受理, then 办结: the booking becomes 已办结', async () => {
    await tid(wp, 'win-start').click()
    await wp.waitForFunction(() => /受理中/.test((document.querySelector('[data-testid="win-current-status"]') || {}).textContent || ''))
    await tid(wp, 'win-finish').click()
    await wp.locator('.el-message-box__btns .el-button--primary').click()
    await tid(wp, 'win-current-none').waitFor()
    await page.goto('/my/bookings')
    await page.locator(`[data-testid="booking-row"][data-code="${booking2}"][data-status="done"]`).waitFor()
    assert.match(await page.locator(`[data-testid="booking-row"][data-code="${booking2}"] [data-testid="booking-row-status"]`).innerText(), /已办结/)
    await shot(page, 'my-bookings-done')
  })

  await step('大厅预约 (booking.read): the hall bookings of today, masked', async () => {
    await tid(wp, 'menu-hall-bookings').click()
    const row = tid(wp, 'bk-table').locator('tr', { hasText: booking2 })
    await row.waitFor()
    const text = await row.innerText()
    assert.match(text, /已办结/)
    assert.ok(!text.includes(who.id), 'the ID number is masked')
    await shot(wp, 'hall-bookings')
  })

  await step('sandbox SMS outbox: messages at issue, call and acceptance', async () => {
    let texts = []
    await poll(async () => {
      texts = (await smsOutbox(B, who.phone)).map((x) => x.text)
      return texts.some((x) => x.includes('开始受理'))
    }, 5000)
    const has = (re, what) => assert.ok(texts.some((x) => re.test(x)), what + ' — outbox: ' + JSON.stringify(texts))
    has(new RegExp('已取号' + ticketNo), 'message at issue')
    has(new RegExp('请' + ticketNo + '号到1号窗口'), 'message at call')
    has(new RegExp(ticketNo + '号已开始受理'), 'message at acceptance')
    has(/预约成功/, 'message at booking')
  })

  await step('no console errors, CSP violations or unexpected HTTP errors', async () => {
    assert.deepEqual(problems, [])
  })
  j.passed()
})
