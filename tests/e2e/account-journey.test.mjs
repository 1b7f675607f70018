// Browser journey of issue 5 (account maintenance and the personal space) against a real `tongban serve`:
// a citizen binds an e-mail address (SMS second factor, then a code to the address) and changes it (a
// code to the old address, then one to the new), changes the phone number in 安全中心 (a code to the old phone, then one to the new phone),
// changes the password, adds two delivery addresses in 我的地址 (behind the second factor, passed by face recognition) and makes
// the second one the default, then deregisters with an SMS code; afterwards login is refused with a clear
// message and no SMS reaches either phone.
// Run from the repo root: node --test tests/e2e/account-journey.test.mjs   (see tests/e2e/README.md)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { openJourney, makeCitizen, makePhone, makePassword, citizenSignedIn, citizenLogin, smsOutbox, waitSmsCode, emailOutbox, waitEmailCode, sleep, tid as tidIn } from './lib.mjs'

// Expected refusals: who-am-I before login, 我的地址 before the second factor, and the login of the
// deregistered account (403 ACCOUNT_DEREGISTERED).
const ALLOWED_4XX = [
  { path: '/api/v1/me', status: 401 },
  { path: '/api/v1/me/addresses', status: 403 },
  { path: '/api/v1/auth/login', status: 403 },
]

test('account journey: change phone → change password → two addresses, default → deregister → login refused, no SMS', { timeout: 240000 }, async (t) => {
  const j = await openJourney(t, { prefix: 'account-', allowed4xx: ALLOWED_4XX, viewport: { width: 1366, height: 900 }, settleMs: 200 })
  const { B, api, step } = j
  const outbox = (phone) => smsOutbox(B, phone)
  /** The code of the newest SMS for purpose to phone, sent after the outbox had `after` messages. */
  const codeFor = (phone, purpose, after) => waitSmsCode(B, phone, purpose, after)

  const who = makeCitizen('230104', '19851120')
  await citizenSignedIn(B, who)
  let newPhone = makePhone()
  while (newPhone === who.phone) newPhone = makePhone()
  const newPassword = makePassword() + 'Q'

  const page = await j.newPage()
  page.on('dialog', (d) => d.accept())
  const shot = (name) => j.shot(page, name)
  const tid = (id) => tidIn(page, id)
  const login = (account, password) => citizenLogin(page, account, password)
  const masked = (p) => p.slice(0, 3) + '****' + p.slice(-4)

  await step('sign in; 个人中心 shows the menu of the personal space', async () => {
    await login(who.id, who.password)
    await tid('user-name').waitFor()
    await tid('header-space').click()
    await page.waitForURL(/\/my$/)
    await tid('space-menu').waitFor()
    for (const id of ['cases', 'bookings', 'messages', 'favorites', 'footprints', 'addresses', 'contacts', 'security', 'notify', 'deregister']) {
      await tid('space-' + id).waitFor()
    }
    assert.equal((await tid('profile-phone').innerText()).trim(), masked(who.phone))
    await shot('space')
  })

  const stamp = Date.now().toString(36)
  const mail1 = `zhang.${stamp}@example.cn`
  const mail2 = `wei.${stamp}@mail.example.cn`
  const maskMail = (a) => a[0] + '***@' + a.split('@')[1]
  await step('bind an e-mail: the SMS second factor, then a code to the address', async () => {
    await tid('space-security').click()
    await page.waitForURL(/\/my\/security$/)
    assert.equal((await tid('email-current').innerText()).trim(), '未绑定')
    await tid('email-bind-start').click()
    await tid('elevate-dialog').waitFor()
    const n = (await outbox(who.phone)).length
    await tid('elevate-send').click()
    await tid('elevate-code').fill(await codeFor(who.phone, 'elevate', n))
    await tid('elevate-dialog-ok').click()
    await tid('elevate-dialog').waitFor({ state: 'detached' })
    await tid('em-new-address').fill(mail1)
    await tid('em-new-send').click()
    await tid('em-new-note').waitFor()
    assert.ok((await tid('em-new-note').innerText()).includes(maskMail(mail1)), 'the note names the masked address')
    await tid('em-new-code').fill(await waitEmailCode(B, mail1, 'email_new'))
    await shot('email-bind')
    await tid('em-submit').click()
    await tid('email-done').waitFor()
    assert.equal((await tid('email-current').innerText()).trim(), maskMail(mail1))
    await page.locator('[data-testid="email-done"] .link-btn').click()
  })

  await step('change the e-mail: a code to the old address, then a code to the new one; the old one is told', async () => {
    await tid('email-change-start').click()
    let n = (await emailOutbox(B, mail1)).length
    await tid('em-old-send').click()
    await tid('em-old-code').fill(await waitEmailCode(B, mail1, 'email_old', n))
    await tid('em-old-next').click()
    await tid('em-new-address').fill(mail2)
    n = (await emailOutbox(B, mail2)).length
    await tid('em-new-send').click()
    await tid('em-new-code').fill(await waitEmailCode(B, mail2, 'email_new', n))
    await tid('em-submit').click()
    await tid('email-done').waitFor()
    assert.equal((await tid('email-current').innerText()).trim(), maskMail(mail2))
    await page.locator('[data-testid="email-done"] .link-btn').click()
    assert.ok((await emailOutbox(B, mail1)).some((m) => m.purpose === 'security' && m.text.includes('更换为' + maskMail(mail2))),
      'the old address is told of the change')
    await shot('email-changed')
  })

  await step('change the phone: a code to the old phone, then a code to the new one', async () => {
    await tid('phone-change-start').click()
    let n = (await outbox(who.phone)).length
    await tid('pc-old-send').click()
    await tid('pc-old-note').waitFor()
    await tid('pc-old-code').fill(await codeFor(who.phone, 'phone_old', n))
    await tid('pc-old-next').click()
    await tid('pc-new-phone').fill(newPhone)
    n = (await outbox(newPhone)).length
    await tid('pc-new-send').click()
    await tid('pc-new-note').waitFor()
    await tid('pc-new-code').fill(await codeFor(newPhone, 'phone_new', n))
    await shot('phone-new-code')
    await tid('pc-submit').click()
    await tid('phone-change-done').waitFor()
    assert.equal((await tid('sec-phone').innerText()).trim(), masked(newPhone))
    const oldBox = await outbox(who.phone)
    assert.ok(oldBox.some((m) => /更换为/.test(m.text)), 'the old phone is told of the change')
    assert.ok((await tid('login-history').innerText()).includes('成功'), 'the login history lists the sign-in')
    await shot('phone-changed')
  })

  await step('change the password; sign in again with the new phone and the new password', async () => {
    await page.goto('/my/password')
    await tid('pw-old').fill(who.password)
    await tid('pw-new').fill(newPassword)
    await tid('pw-confirm').fill(newPassword)
    await tid('pw-submit').click()
    await tid('password-done').waitFor()
    await tid('logout').click()
    await tid('header-login').waitFor()
    await login(newPhone, newPassword)
    await tid('user-name').waitFor()
    await shot('signed-in-again')
  })

  await step('我的地址 asks for the second factor: face recognition (人证不符 first, then the holder), then two addresses, the second made the default', async () => {
    await page.goto('/my/addresses')
    await tid('elevate-dialog').waitFor()
    await tid('elevate-tab-face').click()
    await tid('face-qr').locator('svg').waitFor()
    await tid('face-sandbox-mismatch').click()
    await page.locator('[data-testid="face-state"]', { hasText: '人证不符' }).waitFor()
    await tid('face-renew').click()
    await tid('face-sandbox-pass').waitFor()
    await shot('elevate-face')
    await tid('face-sandbox-pass').click()
    await tid('elevate-dialog').waitFor({ state: 'detached' })
    await tid('addresses-empty').waitFor()
    const add = async (name, detail) => {
      await tid('address-add').click()
      await tid('ad-name').fill(name)
      await tid('ad-phone').fill(newPhone)
      await tid('ad-detail').fill(detail)
      await tid('ad-save').click()
      await tid('address-form').waitFor({ state: 'detached' })
      // the list reloads after the form closes: wait for the new row before counting
      await page.locator('[data-testid="address-row"]', { hasText: detail.slice(-8) }).waitFor()
    }
    await add('张伟', '哈尔滨市道里区中央大街88号')
    await add('李娜', '哈尔滨市南岗区西大直街92号')
    const rows = tid('address-row')
    assert.equal(await rows.count(), 2)
    const second = page.locator('[data-testid="address-row"]', { hasText: '西大直街92号' })
    assert.equal(await second.getAttribute('data-default'), '0', 'the first address became the default')
    await second.locator('[data-testid="address-set-default"]').click()
    await page.locator('[data-testid="address-row"][data-default="1"]', { hasText: '西大直街92号' }).waitFor()
    assert.equal(await page.locator('[data-testid="address-row"][data-default="1"]').count(), 1, 'one default')
    await shot('addresses')
  })

  await step('favourite a matter from its guide; 我的收藏 and 我的足迹 list it', async () => {
    const m = (await api('/api/v1/matters?page_size=1')).body.items[0]
    await page.goto('/matters/' + m.code)
    await tid('guide-title').waitFor()
    await tid('favorite-off').click()
    await tid('favorite-on').waitFor()
    await page.goto('/my/favorites')
    await page.locator(`[data-testid="favorite-row"][data-code="${m.code}"]`).waitFor()
    await page.goto('/my/footprints')
    await page.locator(`[data-testid="footprint-row"][data-code="${m.code}"]`).waitFor()
    await shot('footprints')
  })

  let before = { old: 0, fresh: 0 }
  await step('deregister with an SMS code; the login page says so', async () => {
    await page.goto('/my/deregister')
    await tid('deregister-agree').check()
    const n = (await outbox(newPhone)).length
    await tid('dereg-send').click()
    await tid('dereg-code').fill(await codeFor(newPhone, 'deregister', n))
    await shot('deregister')
    await tid('deregister-submit').click()
    await page.waitForURL(/\/login/)
    assert.match(await tid('login-notice').innerText(), /注销/)
    before = { old: (await outbox(who.phone)).length, fresh: (await outbox(newPhone)).length }
  })

  await step('login is refused with a clear message, and no SMS is sent any more', async () => {
    await tid('login-account').fill(newPhone)
    await tid('login-password').fill(newPassword)
    await tid('login-submit').click()
    await tid('login-error').waitFor()
    assert.match(await tid('login-error').innerText(), /已注销/)
    await shot('login-refused')
    const reset = await api('/api/v1/auth/sms-code', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ phone: newPhone, purpose: 'reset' }) })
    assert.equal(reset.status, 200, 'the answer does not reveal the account')
    await sleep(1500)
    assert.equal((await outbox(newPhone)).length, before.fresh, 'no SMS to the deregistered phone')
    assert.equal((await outbox(who.phone)).length, before.old, 'no SMS to the old phone')
    const me = await api('/api/v1/me')
    assert.equal(me.status, 401)
  })
  j.passed()
})
