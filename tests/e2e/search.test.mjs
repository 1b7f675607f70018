// Browser journey through the portal's search against a real `tongban serve`:
// suggestions as you type, a colloquial query, exclusion, the advanced query,
// facets as filters, highlights, and the no-result consultation dialog.
// Run from the repo root: node --test tests/e2e/search.test.mjs   (see tests/e2e/README.md)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { openJourney, tid } from './lib.mjs'

const REISSUE = '驾驶证补领'
// 401 from GET /api/v1/me is how a visitor learns they are not signed in; nothing else may fail.
const ALLOWED_4XX = [{ path: '/api/v1/me', status: 401 }]

test('search journey: suggest → colloquial query → exclusion → advanced → facets → no result', { timeout: 180000 }, async (t) => {
  // Screenshots are search-<name>.png; the problems are checked once, at the end.
  const j = await openJourney(t, { prefix: 'search-', allowed4xx: ALLOWED_4XX, viewport: { width: 1366, height: 900 }, settleMs: 0, numbered: false, checkEachStep: false })
  const { problems, step } = j
  const page = await j.newPage()
  const shot = (name) => j.shot(page, name)
  const byTestId = (id) => tid(page, id)
  const resultNames = async () => byTestId('search-results').locator('[data-testid="matter-link"]').allInnerTexts()
  // runs an action that searches, then waits until the page shows that search's answer
  const searching = async (fn) => {
    const answer = page.waitForResponse((r) => /\/api\/v1\/search\?/.test(r.url()))
    await fn()
    assert.equal((await answer).status(), 200)
    await page.waitForFunction(() => !document.querySelector('.loading'))
  }

  await step('typing 驾 suggests 驾驶证 matters', async () => {
    await page.goto('/')
    const input = byTestId('search-input')
    await input.click()
    await input.pressSequentially('驾', { delay: 30 })
    const list = byTestId('suggest-list')
    await list.waitFor({ state: 'visible' })
    assert.equal(await input.getAttribute('aria-expanded'), 'true')
    const options = await list.locator('[role="option"]').allInnerTexts()
    assert.ok(options.some((o) => o.startsWith('驾驶证')), 'suggestions: ' + options.join(' / '))
    assert.ok(options.some((o) => o.includes(REISSUE)), 'suggestions: ' + options.join(' / '))
    assert.ok(await list.locator('em', { hasText: '驾' }).count() > 0, 'the typed prefix is highlighted')
    await shot('suggest')
    // keyboard: the first option becomes active, Escape closes the list
    await input.press('ArrowDown')
    const activeId = await input.getAttribute('aria-activedescendant')
    assert.ok(activeId, 'ArrowDown makes an option active')
    assert.equal(await page.locator('#' + activeId).getAttribute('aria-selected'), 'true')
    await input.press('Escape')
    await list.waitFor({ state: 'hidden' })
    // choosing a suggestion with the keyboard searches it
    await input.press('ArrowDown')
    await list.waitFor({ state: 'visible' })
    const chosen = await page.locator('#' + await input.getAttribute('aria-activedescendant')).locator('.sb-text').innerText()
    await searching(() => input.press('Enter'))
    assert.equal(new URL(page.url()).searchParams.get('q'), chosen)
  })

  await step('驾照 补办 lists 驾驶证补领 first, highlighted', async () => {
    const input = byTestId('search-input')
    await input.fill('驾照 补办')
    await searching(() => byTestId('search-submit').click())
    assert.equal(new URL(page.url()).searchParams.get('q'), '驾照 补办')
    const names = await resultNames()
    assert.equal(names[0], REISSUE, 'results: ' + names.join(' / '))
    const first = byTestId('search-results').locator('[data-testid="matter-item"]').first()
    assert.ok(await first.locator('[data-testid="matter-link"] em').count() > 0, 'name highlighted')
    assert.ok(await first.locator('[data-testid="matter-summary"] em').count() > 0, 'summary highlighted')
    await shot('colloquial')
  })

  await step('护照 -港澳 and 通行证 -港澳 leave out Hong Kong/Macau permits', async () => {
    await searching(() => page.goto('/search?q=' + encodeURIComponent('通行证')))
    assert.ok((await resultNames()).some((n) => n.includes('港澳')), '通行证 alone lists the 港澳 permit')
    for (const q of ['护照 -港澳', '通行证 -港澳']) {
      const input = byTestId('search-input')
      await input.fill(q)
      await searching(() => input.press('Enter'))
      assert.equal(new URL(page.url()).searchParams.get('q'), q)
      const names = await resultNames()
      assert.ok(names.length > 0, q + ' finds something')
      assert.ok(names.every((n) => !n.includes('港澳')), q + ': ' + names.join(' / '))
    }
    await shot('exclusion')
  })

  await step('advanced query: any of 护照 驾驶证, none of 补领', async () => {
    await searching(() => page.goto('/search'))
    await byTestId('advanced-toggle').click()
    await byTestId('adv-any').fill('护照 驾驶证')
    await byTestId('adv-none').fill('补领')
    await searching(() => byTestId('adv-submit').click())
    assert.equal(new URL(page.url()).searchParams.get('none'), '补领')
    const names = await resultNames()
    assert.ok(names.includes('普通护照签发'), names.join(' / '))
    assert.ok(names.every((n) => !n.includes('补领')), names.join(' / '))
    await shot('advanced')
  })

  await step('facets filter the results with their counts', async () => {
    await searching(() => page.goto('/search?q=' + encodeURIComponent('证')))
    const chip = byTestId('filter-police-traffic')
    const count = Number(await chip.locator('.chip-count').innerText())
    assert.ok(count > 0)
    await searching(() => chip.click())
    assert.equal(new URL(page.url()).searchParams.get('police'), 'traffic')
    assert.equal(await byTestId('search-total').innerText(), `共 ${count} 项`)
    assert.equal(await chip.getAttribute('aria-pressed'), 'true')
    await shot('facets')
  })

  await step('a nonsense query offers the consultation channel', async () => {
    const input = byTestId('search-input')
    await input.fill('火星移民签证')
    await input.press('Enter')
    const dialog = byTestId('consult-dialog')
    await dialog.waitFor()
    const text = await dialog.innerText()
    assert.match(text, /人工咨询/)
    assert.match(text, /12345/)
    assert.equal(await byTestId('consult-call').getAttribute('href'), 'tel:12345')
    // and the online human agent, carrying the question that found nothing
    assert.equal(await byTestId('consult-agent').getAttribute('href'),
      '/agent?source=search&q=' + encodeURIComponent('火星移民签证'))
    await shot('no-result')
    await byTestId('consult-close').click()
    await dialog.waitFor({ state: 'detached' })
    await byTestId('search-empty').waitFor()
  })

  assert.deepEqual(problems, [], 'no console errors, page errors or unexpected HTTP errors')
  j.passed()
})
