// Browser journey through the citizen portal against a real `tongban serve`.
// Run from the repo root: node --test tests/e2e/     (see tests/e2e/README.md)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { openJourney, makeCitizen, smsOutbox, smsCode, PDF, tid } from './lib.mjs'

const PASSPORT = '普通护照签发'

// 401 from GET /api/v1/me is how a visitor learns they are not signed in; nothing else may fail.
const ALLOWED_4XX = [{ path: '/api/v1/me', status: 401 }]

test('citizen journey: search → guide → region → register → login → apply → progress', { timeout: 240000 }, async (t) => {
  // Each step is a subtest (shown in the summary); the first failing step stops the journey.
  // Screenshots are 01-home.png …; the problems are checked once, in the last step.
  const j = await openJourney(t, { allowed4xx: ALLOWED_4XX, viewport: { width: 1366, height: 900 }, settleMs: 0, checkEachStep: false })
  const { api, problems, step } = j
  const page = await j.newPage()
  const shot = (name, p = page) => j.shot(p, name)
  const byTestId = (id, p = page) => tid(p, id)

  // ---------- 1. home ----------
  await step('home page', async () => {
    await page.goto('/')
    await assert.doesNotReject(byTestId('site-title').waitFor())
    assert.match(await byTestId('site-title').innerText(), /黑龙江省公安政务服务网/)
    await page.locator('.police-tile').first().waitFor()
    assert.equal(await page.locator('.police-tile').count(), 8, '8 police categories')
    await byTestId('hot-matters').locator('[data-testid="matter-item"]').first().waitFor()
    assert.match(await byTestId('quick-rate').innerText(), /即将开放/)
    assert.match(await byTestId('footer').innerText(), /主办单位/)
    await shot('home')
  })

  // ---------- 2. search ----------
  await step('search 护照', async () => {
    const input = byTestId('search-input')
    assert.equal(await input.getAttribute('placeholder'), '搜索事项，如：护照、驾驶证')
    await input.fill('护照')
    await byTestId('search-submit').click()
    await page.waitForURL(/\/search\?q=/)
    await byTestId('search-results').locator('[data-testid="matter-link"]', { hasText: PASSPORT }).first().waitFor()
    await shot('search-results')
  })

  // The passport guide as the API serves it, to compare with what the page shows.
  const list = await api('/api/v1/matters?q=' + encodeURIComponent('护照') + '&page_size=50')
  assert.equal(list.status, 200)
  const passportSummary = list.body.items.find((m) => m.name === PASSPORT)
  assert.ok(passportSummary, 'API search for 护照 lists ' + PASSPORT)
  const guide = (await api('/api/v1/matters/' + encodeURIComponent(passportSummary.code))).body
  assert.ok(guide && guide.form && Array.isArray(guide.form.fields), 'passport guide has a form schema')

  // ---------- 3. guide ----------
  await step('passport guide', async () => {
    await byTestId('search-results').locator('[data-testid="matter-link"]', { hasText: PASSPORT }).first().click()
    await page.waitForURL(/\/matters\//)
    await byTestId('guide-title').waitFor()
    assert.equal(await byTestId('guide-title').innerText(), PASSPORT)
    const conditions = await byTestId('guide-conditions').innerText()
    assert.match(conditions, /受理条件/)
    assert.ok(conditions.replace('受理条件', '').trim().length > 2, '受理条件 has text')
    const materials = await byTestId('guide-materials').innerText()
    assert.match(materials, /申请材料/)
    assert.match(materials, /居民身份证/)
    const faq = await byTestId('guide-faq').innerText()
    assert.match(faq, /常见问题/)
    if ((guide.faq || []).length) assert.ok(faq.includes(guide.faq[0].q), 'first FAQ shown')
    const fee = await byTestId('guide-fee').innerText()
    if (guide.fee_required) {
      assert.match(fee, /收费/)
      if (guide.fee_amount_fen != null) assert.ok(fee.includes((guide.fee_amount_fen / 100).toFixed(2)), `fee ${fee} shows ${guide.fee_amount_fen} fen`)
    } else {
      assert.match(fee, /不收费/)
    }
    await shot('guide')
  })

  // ---------- 4. region dialog for the passport matter ----------
  await step('region dialog: Harbin preselected', async () => {
    await byTestId('apply-online').click()
    await byTestId('region-dialog').waitFor()
    const harbin = byTestId('region-city-230100')
    await harbin.waitFor()
    assert.match(await harbin.getAttribute('class'), /selected/, '哈尔滨市 preselected')
    assert.equal(await harbin.getAttribute('aria-pressed'), 'true')
    const cities = byTestId('region-dialog').locator('[data-testid^="region-city-"]')
    assert.equal(await cities.count(), 13, '13 cities/prefectures')
    if ((guide.regions || []).includes('230000')) {
      assert.equal(await byTestId('region-dialog').locator('[data-testid^="region-city-"][data-enabled="false"]').count(), 0,
        'a province-wide matter greys no city')
    }
    await shot('region-dialog')
    await byTestId('region-close').click()
    await byTestId('region-dialog').waitFor({ state: 'detached' })
  })

  // ---------- 5. a Harbin-only matter greys out 齐齐哈尔市 ----------
  await step('region dialog: Harbin-only matter greys other cities', async () => {
    const all = []
    for (let p = 1; p <= 20; p++) {
      const r = await api(`/api/v1/matters?page=${p}&page_size=100`)
      assert.equal(r.status, 200)
      all.push(...r.body.items)
      if (all.length >= r.body.total || !r.body.items.length) break
    }
    const inHarbin = new Set((await api('/api/v1/matters?region=230100&page_size=100')).body.items.map((m) => m.code))
    const inQiqihar = new Set((await api('/api/v1/matters?region=230200&page_size=100')).body.items.map((m) => m.code))
    const candidates = [...all.filter((m) => inHarbin.has(m.code) && !inQiqihar.has(m.code)), ...all]
    let local = null
    for (const m of candidates) {
      const g = (await api('/api/v1/matters/' + encodeURIComponent(m.code))).body
      const regions = (g && g.regions) || []
      const covers = (code) => regions.some((r) => code.startsWith(r.replace(/(00)+$/, '')))
      if (regions.length && covers('230100') && !covers('230200')) { local = g; break }
    }
    assert.ok(local, 'seed has a matter applicable in Harbin but not in Qiqihar (regions ["230100"])')
    await page.goto('/matters/' + encodeURIComponent(local.code))
    await byTestId('guide-title').waitFor()
    await byTestId('apply-online').click()
    await byTestId('region-dialog').waitFor()
    const qqhr = byTestId('region-city-230200')
    await qqhr.waitFor()
    assert.equal(await qqhr.getAttribute('data-enabled'), 'false', '齐齐哈尔市 greyed')
    assert.ok(await qqhr.isDisabled(), '齐齐哈尔市 not clickable')
    assert.equal(await byTestId('region-city-230100').getAttribute('data-enabled'), 'true', '哈尔滨市 enabled')
    await shot('region-greyed')
    await byTestId('region-close').click()
  })

  // ---------- 6. choose 道里区 for the passport → login required → register ----------
  const who = makeCitizen('230102', '19900101')
  await step('choose region, register', async () => {
    await page.goto('/matters/' + encodeURIComponent(guide.code))
    await byTestId('apply-online').click()
    await byTestId('region-dialog').waitFor()
    await byTestId('region-230102').click()
    await page.waitForURL(/\/login\?redirect=/)
    await byTestId('to-register').click()
    await page.waitForURL(/\/register/)
    await byTestId('reg-name').fill(who.name)
    await byTestId('reg-id-number').fill(who.id)
    await byTestId('reg-phone').fill(who.phone)
    await byTestId('reg-password').fill(who.password)
    await byTestId('reg-password2').fill(who.password)
    await byTestId('send-sms').click()
    await page.waitForFunction(() => /秒后重新获取/.test(document.querySelector('[data-testid="send-sms"]').textContent))
    let code = ''
    if (await byTestId('sandbox-link').count()) {
      await byTestId('sandbox-link').click()
      const item = byTestId('sandbox-sms-item').first()
      await item.waitFor()
      code = smsCode(await item.innerText())
    }
    if (!code) {
      const items = await smsOutbox(j.B, who.phone)
      code = smsCode((items[0] && items[0].text) || '')
    }
    assert.match(code, /^\d{6}$/, 'SMS code read from the sandbox outbox')
    await byTestId('reg-sms-code').fill(code)
    await shot('register')
    await byTestId('register-submit').click()
    await page.waitForURL(/\/login/)
    await byTestId('login-notice').waitFor()
  })

  // ---------- 7. log in → back to the apply form ----------
  const fields = guide.form.fields
  const field = (pred, what) => { const f = fields.find(pred); assert.ok(f, 'passport form has ' + what); return f }
  const fName = fields.find((f) => f.prefill === 'user.name')
  const fId = fields.find((f) => f.prefill === 'user.id_number')
  const fPhone = fields.find((f) => f.prefill === 'user.phone')
  const fDest = field((f) => f.name === 'destination' || /目的地|前往国家/.test(f.label), '目的地 (destination)')
  const fReason = field((f) => (f.options || []).some((o) => o.label === '旅游'), '出境事由 with 旅游')
  const fUrgentReason = field((f) => f.rule && /urgent/.test(f.rule), 'a rule field depending on urgent')
  const fUrgent = field((f) => f.name === ((/form\.(\w+)/.exec(fUrgentReason.rule) || [])[1] || 'urgent'), 'the urgent field')

  await step('log in and open the apply form', async () => {
    assert.equal(await byTestId('login-account').inputValue(), who.id, 'account prefilled after registering')
    await byTestId('login-password').fill(who.password)
    await byTestId('login-submit').click()
    await page.waitForURL(/\/apply\/[^/?]+\?region=230102/)
    await byTestId('apply-form').waitFor()
    await byTestId('user-name').waitFor()
    assert.ok(!(await byTestId('user-name').innerText()).includes(who.name.slice(1)), 'header shows a masked name')
    if (fName) assert.equal(await byTestId('input-' + fName.name).inputValue(), who.name, 'name prefilled')
    if (fId) assert.equal(await byTestId('input-' + fId.name).inputValue(), who.id, 'ID number prefilled')
    if (fPhone) assert.equal(await byTestId('input-' + fPhone.name).inputValue(), who.phone, 'phone prefilled')
    assert.ok(fName || fId || fPhone, 'the passport form prefills from the account')
    if (guide.tips) await byTestId('apply-tips').waitFor()
    await shot('apply-prefilled')
  })

  // ---------- 8. inline checks, then fill the form ----------
  const setChoice = async (f, wanted) => {
    const opt = (f.options || []).find((o) => wanted(o)) || (f.options || [])[0]
    if (f.type === 'select') await byTestId('input-' + f.name).selectOption(String(opt.value))
    else if (f.type === 'radio' || (f.type === 'checkbox' && f.options && f.options.length)) await byTestId('input-' + f.name + '-' + opt.value).check()
    else if (f.type === 'checkbox') await byTestId('input-' + f.name).check()
    else await byTestId('input-' + f.name).fill(String(opt ? opt.value : 'yes'))
  }
  const isYes = (o) => ['yes', 'true', '1', 'y'].includes(String(o.value).toLowerCase()) || o.label === '是'

  await step('inline errors and the form rule', async () => {
    // A required field emptied and left shows its message right under it.
    const dest = byTestId('input-' + fDest.name)
    await dest.fill('')
    await dest.blur()
    await byTestId('error-' + fDest.name).waitFor()
    assert.ok((await byTestId('error-' + fDest.name).innerText()).length > 0)
    await shot('inline-error')
    await dest.fill('泰国')
    await dest.blur()
    await byTestId('error-' + fDest.name).waitFor({ state: 'detached' })

    await setChoice(fReason, (o) => o.label === '旅游')
    // Fill the other required fields the prefill did not cover.
    for (const f of fields) {
      if ([fDest, fReason, fUrgent, fUrgentReason].includes(f) || !f.required) continue
      const el = byTestId('input-' + f.name)
      if (['select', 'radio', 'checkbox'].includes(f.type)) { await setChoice(f, () => true); continue }
      if ((await el.inputValue()) !== '') continue
      const v = f.type === 'date' ? new Date(Date.now() + 30 * 864e5).toISOString().slice(0, 10)
        : f.type === 'number' ? String(f.min != null ? f.min : 1)
          : f.type === 'email' ? 'e2e@example.com' : f.type === 'phone' ? who.phone : f.type === 'id_number' ? who.id
            : /地址|住址/.test(f.label) ? '黑龙江省哈尔滨市道里区测试街1号' : '测试填写内容'
      await el.fill(v)
      await el.blur()
    }

    // urgent = yes with a short reason → the server-side rule message appears inline.
    await setChoice(fUrgent, isYes)
    const reason = byTestId('input-' + fUrgentReason.name)
    await reason.fill('出差')
    await reason.blur()
    const ruleErr = byTestId('error-' + fUrgentReason.name)
    await ruleErr.waitFor()
    if (fUrgentReason.rule_message) assert.equal(await ruleErr.innerText(), fUrgentReason.rule_message)
    await shot('rule-error')
    await reason.fill('因公司紧急商务洽谈需尽快出境，特申请加急办理')
    await reason.blur()
    await ruleErr.waitFor({ state: 'detached' })
    assert.equal(await page.locator('.field-error').count(), 0, 'no field errors left')
  })

  // ---------- 9. upload 居民身份证 and submit ----------
  let serial = ''
  let queryPassword = ''
  await step('upload materials and submit', async () => {
    const idMat = (guide.materials || []).find((x) => x.name.includes('居民身份证'))
    assert.ok(idMat, 'passport materials include 居民身份证')
    const toUpload = [idMat, ...(guide.materials || []).filter((x) => x.required && x !== idMat)]
    for (const x of toUpload) {
      await byTestId('upload-' + x.id).setInputFiles({ name: x.id === idMat.id ? 'id-card.pdf' : x.id + '.pdf', mimeType: 'application/pdf', buffer: PDF })
      const info = byTestId('uploaded-' + x.id)
      await info.waitFor()
      assert.match(await info.innerText(), /SM3 [0-9a-f]{12}/)
    }
    assert.match(await byTestId('uploaded-' + idMat.id).innerText(), /id-card\.pdf/)
    await shot('materials')
    await byTestId('apply-submit').click()
    await page.waitForURL(/\/apply\/done/)
    serial = (await byTestId('done-serial').innerText()).trim()
    queryPassword = (await byTestId('done-password').innerText()).trim()
    assert.match(serial, /^\w{8,50}$/)
    assert.ok(queryPassword.length >= 4)
    assert.match(await byTestId('done-warning').innerText(), /只显示这一次/)
    await shot('apply-done')
  })

  // ---------- 10. log out, look up the progress ----------
  await step('log out and query progress', async () => {
    await byTestId('logout').click()
    await byTestId('header-login').waitFor()
    await page.locator('nav.nav a', { hasText: '进度查询' }).click()
    await page.waitForURL(/\/progress/)
    await byTestId('progress-serial').fill(serial)
    await byTestId('progress-password').fill(queryPassword)
    await byTestId('progress-submit').click()
    await byTestId('progress-result').waitFor()
    assert.equal((await byTestId('progress-matter').innerText()).trim(), PASSPORT)
    assert.equal((await byTestId('progress-serial-value').innerText()).trim(), serial)
    assert.match(await byTestId('progress-status').innerText(), /已提交/)
    assert.match(await byTestId('progress-history').innerText(), /提交申请/)
    assert.equal((await byTestId('progress-payment').innerText()).trim().length > 0, true)
    await shot('progress')
  })

  // ---------- 11. phone width ----------
  await step('phone width 390×844', async () => {
    const mp = await j.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
    await mp.goto('/')
    await mp.locator('.police-tile').first().waitFor()
    await byTestId('hot-matters', mp).locator('[data-testid="matter-item"]').first().waitFor()
    assert.ok(await byTestId('nav-toggle', mp).isVisible(), 'navigation collapses behind a menu button')
    assert.ok(await mp.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'home has no horizontal scroll')
    await shot('phone-home', mp)
    await mp.goto('/matters/' + encodeURIComponent(guide.code))
    await byTestId('guide-title', mp).waitFor()
    assert.equal(await mp.locator('[data-testid="guide-materials"] thead').isVisible(), false, 'materials table shown as cards')
    assert.ok(await mp.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'guide has no horizontal scroll')
    await shot('phone-guide', mp)
    await mp.context().close()
  })

  // ---------- 12. nothing went wrong in the consoles ----------
  await step('no console errors, CSP violations or unexpected HTTP errors', async () => {
    assert.deepEqual(problems, [])
  })
  j.passed()
})
