// Browser journey of the smart assistant (智能客服, §1-1-3-3) against a real `tongban serve`: the floating
// 智能客服 button on the portal opens the chat; typing 我想办 suggests 我想办护照, which starts the guided
// dialogue (first application or renewal? adult or minor?) ending with 普通护照签发, the materials to bring
// and a link to apply; the answer is rated 不满意 with a reason tag, which a knowledge editor finds in the
// 评价处置 list; a knowledge answer shows related questions; a sensitive word asks to rephrase; an
// unanswerable question offers the human channel; the region can be switched; the history lists the
// questions. The widget must not add console errors or CSP violations on any page.
// Run from the repo root: node --test tests/e2e/assistant.test.mjs   (see tests/e2e/README.md)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { openJourney, cliUserAdd, makePassword, staffClient, staffLogin, tid, poll, toast } from './lib.mjs'

const PASSPORT = '11230000MB1917443F000117004000'
// 401 of /api/v1/me is how the portal learns nobody is signed in; the agent page may ask for the
// citizen's session the same way.
const ALLOWED_4XX = [{ path: '/api/v1/me', status: 401 }, { path: '/api/v1/staff/me', status: 401 }]

const lastReply = (p) => tid(p, 'assistant-reply').last()

async function ask (p, text) {
  const before = await tid(p, 'assistant-reply').count()
  await tid(p, 'assistant-input').fill(text)
  await tid(p, 'assistant-send').click()
  await poll(async () => (await tid(p, 'assistant-reply').count()) > before, 10000, 100)
  return lastReply(p)
}

test('assistant journey: guided passport dialogue → materials and apply link → 不满意 → human channel', { timeout: 240000 }, async (t) => {
  const j = await openJourney(t, { prefix: 'assistant-', apps: ['portal', 'work'], allowed4xx: ALLOWED_4XX, viewport: { width: 1440, height: 960 } })
  const { server, B, step, shot } = j
  const editor = cliUserAdd(server, { login: 'asstkb', name: '知识编辑丙', role: 'kb_editor', password: 'Tb!As' + makePassword() })
  const p = await j.newPage()

  await step('the 智能客服 button opens the chat with common questions and the guide', async () => {
    await p.goto('/')
    await tid(p, 'assistant-open').click()
    await tid(p, 'assistant-panel').waitFor()
    await tid(p, 'assistant-common').getByText('身份证丢了怎么补办？').waitFor()
    await shot(p, 'welcome')
  })

  await step('typing 我想办 suggests 我想办护照, which starts the guided dialogue', async () => {
    await tid(p, 'assistant-input').pressSequentially('我想办', { delay: 60 })
    const sug = tid(p, 'assistant-suggestions')
    await sug.getByText('我想办护照', { exact: true }).waitFor()
    await shot(p, 'suggestions')
    await sug.getByText('我想办护照', { exact: true }).click()
    await poll(async () => (await lastReply(p).getAttribute('data-kind')) === 'dialogue', 10000, 100)
    assert.match(await lastReply(p).innerText(), /首次申请/)
    await tid(lastReply(p), 'assistant-option-first').waitFor()
    await tid(lastReply(p), 'assistant-option-renew').waitFor()
  })

  await step('首次申请 → 未满16周岁 ends with 普通护照签发, its materials and the apply link', async () => {
    await tid(lastReply(p), 'assistant-option-first').click()
    await poll(async () => /16周岁/.test(await lastReply(p).innerText()), 10000, 100)
    await tid(lastReply(p), 'assistant-option-minor').click()
    await poll(async () => (await lastReply(p).getAttribute('data-kind')) === 'dialogue_answer', 10000, 100)
    const card = tid(lastReply(p), 'assistant-matter')
    await card.waitFor()
    assert.match(await card.innerText(), /普通护照签发/)
    const materials = await tid(card, 'assistant-materials').locator('li').allInnerTexts()
    assert.equal(materials.length, 3, materials.join('|'))
    assert.match(materials[0], /居民身份证/)
    assert.ok(materials.some((m) => /监护人身份证明及监护关系证明/.test(m)), materials.join('|'))
    assert.equal(await tid(card, 'assistant-apply-link').getAttribute('href'), '/apply/' + PASSPORT)
    assert.equal(await tid(card, 'assistant-guide-link').getAttribute('href'), '/matters/' + PASSPORT)
    // the buttons of the finished steps are no longer active
    assert.equal(await tid(p, 'assistant-option-first').first().isDisabled(), true)
    await shot(p, 'dialogue-answer')
  })

  await step('rating the answer 不满意 with a reason tag reaches the knowledge editors', async () => {
    const reply = lastReply(p)
    await tid(reply, 'assistant-rate-bad').click()
    await tid(reply, 'assistant-reasons').waitFor()
    assert.equal(await tid(reply, 'assistant-reason-submit').isDisabled(), true, 'a reason is needed')
    await tid(reply, 'assistant-reason-答非所问').check()
    await tid(reply, 'assistant-reason-submit').click()
    await tid(reply, 'assistant-rated').waitFor()
    await shot(p, 'rated')
    const ed = await staffClient(B, editor)
    const found = await poll(async () => {
      const r = await ed.get('/api/v1/work/kb/ratings?status=open&page_size=50')
      return r.status === 200 && r.body.items.find((b) => /多轮问答·普通护照办理/.test(b.question) && /答非所问/.test(b.reason_tags))
    }, 10000)
    assert.ok(found, 'the 不满意 rating is in the 评价处置 list')
  })

  await step('a knowledge answer comes with related questions', async () => {
    const reply = await ask(p, '身份证丢了怎么补办')
    await tid(reply, 'assistant-answer').waitFor()
    assert.match(await tid(reply, 'assistant-answer').innerText(), /身份证丢了怎么补办/)
    await tid(reply, 'assistant-rate').waitFor()
  })

  await step('a sensitive word asks to rephrase', async () => {
    const reply = await ask(p, '哪里可以办假证')
    assert.equal(await reply.getAttribute('data-kind'), 'blocked')
    assert.match(await reply.innerText(), /请换一种说法/)
    assert.equal(await tid(reply, 'assistant-rate').count(), 0)
  })

  await step('an unanswerable question offers the human channel', async () => {
    const reply = await ask(p, '量子咖啡机坏了怎么修理')
    assert.equal(await reply.getAttribute('data-kind'), 'default')
    const handoff = tid(reply, 'assistant-handoff')
    await handoff.waitFor()
    assert.match(await handoff.innerText(), /12345/)
    await shot(p, 'handoff')
    const agent = tid(handoff, 'assistant-agent')
    if (await agent.count()) {
      await agent.click()
      await p.waitForURL(/\/agent\?/)
      assert.match(decodeURIComponent(p.url()), /q=量子咖啡机坏了怎么修理/)
      assert.match(p.url(), /source=assistant/)
    } else {
      await tid(handoff, 'assistant-halls').waitFor()
    }
  })

  await step('switching the region and reading the history', async () => {
    await p.goto('/')
    await tid(p, 'assistant-open').click()
    await tid(p, 'assistant-region').selectOption('230102')
    await tid(p, 'assistant-messages').getByText('已切换到道里区').waitFor()
    const reply = await ask(p, '你好')
    assert.equal(await reply.getAttribute('data-kind'), 'chitchat')
    await tid(p, 'assistant-history').click()
    const list = tid(p, 'assistant-history-list')
    await list.getByText('身份证丢了怎么补办').waitFor()
    await list.getByText('我想办护照').waitFor()
    await shot(p, 'history')
  })

  await step('the widget is on the phone layout too', async () => {
    await p.setViewportSize({ width: 390, height: 844 })
    await p.goto('/matters/' + PASSPORT)
    await tid(p, 'assistant-open').click()
    await tid(p, 'assistant-panel').waitFor()
    await shot(p, 'phone')
  })

  await step('the dialogue editor in the work portal shows, checks and saves the passport dialogue', async () => {
    const keeper = cliUserAdd(server, { login: 'asstdlg', name: '客服维护丁', role: 'assistant_editor', password: 'Tb!Dl' + makePassword() })
    const w = await j.newPage()
    await staffLogin(w, keeper)
    await tid(w, 'menu-dialogues').click()
    await tid(w, 'dialogues-table').waitFor()
    assert.match(await tid(w, 'dialogue-status-passport').innerText(), /已发布/)
    await tid(w, 'dialogue-open-passport').click()
    await tid(w, 'dialogue-edit').waitFor()
    await tid(w, 'dialogue-node-first_minor').waitFor()
    assert.match(await tid(w, 'dialogue-preview').innerText(), /未满16周岁/)
    await tid(w, 'dialogue-validate').click()
    await tid(w, 'dialogue-valid').waitFor()
    // a new question node that leads nowhere is reported before anything is published
    await tid(w, 'dialogue-add-node').click()
    await tid(w, 'dialogue-save').click()
    await toast(w, /还有问题/)
    await tid(w, 'dialogue-problems').waitFor()
    assert.match(await tid(w, 'dialogue-problems').innerText(), /无法到达|不存在/)
    assert.match(await tid(w, 'dialogue-status').innerText(), /有未发布的修改/)
    await shot(w, 'dialogue-editor')
    // citizens still talk to the published version
    const r = await j.api('/api/v1/assistant/chat', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ session: 'e2e' + Date.now() + 'abcdefgh', text: '我想办护照' }),
    })
    assert.equal(r.body.kind, 'dialogue')
  })

  j.passed()
})
