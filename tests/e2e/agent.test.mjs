// Browser journey of 人工客服 (§2-1-3-3-5, issue 6): a citizen handed over by the assistant waits in a
// visible queue; an agent in the work portal goes online and accepts, answers with a canned phrase and
// transfers to an expert; the expert takes over; the citizen stays silent, gets the idle prompt and the
// session closes after the (short, for this run) idle timeout; the citizen rates it 不满意 with a reason.
// Run from the repo root: node --test tests/e2e/agent.test.mjs
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cliUserAdd, httpClient, makePassword, openJourney, poll, staffClient, staffLogin, tid } from './lib.mjs'

// the server of this journey closes a silent session quickly
process.env.TONGBAN_AGENT_IDLE_PROMPT_SECONDS = '6'
process.env.TONGBAN_AGENT_IDLE_CLOSE_SECONDS = '12'
process.env.TONGBAN_AGENT_QUEUE_NOTIFY_SECONDS = '1'
process.env.TONGBAN_AGENT_SWEEP_MS = '300'

const ALLOWED_4XX = [{ path: '/api/v1/me', status: 401 }, { path: '/api/v1/staff/me', status: 401 }]

test('human agent journey: queue → accept → canned phrase → transfer to expert → idle close → rating', { timeout: 240000 }, async (t) => {
  const j = await openJourney(t, { prefix: 'agent-', apps: ['portal', 'work'], allowed4xx: ALLOWED_4XX, viewport: { width: 1440, height: 960 } })
  const { server, B, step, shot } = j
  const agent = cliUserAdd(server, { login: 'kefu1', name: '张晓', role: 'cs_agent', password: 'Tb!Kf' + makePassword() })
  const expert = cliUserAdd(server, { login: 'zhuanjia1', name: '李明', role: 'cs_expert', password: 'Tb!Zj' + makePassword() })
  const agentApi = await staffClient(B, agent)
  const expertApi = await staffClient(B, expert)
  assert.equal((await agentApi.get('/api/v1/agent/me')).status, 200)
  assert.equal((await expertApi.get('/api/v1/agent/me')).status, 200)
  const phrase = await agentApi.post('/api/v1/agent/phrases', { category: '问候语', text: '您好，护照加急需提供紧急出国证明。' })
  assert.equal(phrase.status, 201, JSON.stringify(phrase.body))

  // someone is already waiting, so the citizen sees a real position
  const earlier = httpClient(B)
  assert.equal((await earlier.post('/api/v1/agent/sessions', { question: '先到的问题' })).status, 201)

  const citizen = await j.newPage()
  let sid = 0
  await step('the assistant hands the citizen over; the citizen waits in a visible queue', async () => {
    await citizen.goto('/agent?q=' + encodeURIComponent('护照加急怎么办理？') + '&source=assistant&auto=1')
    await tid(citizen, 'agent-queue').waitFor()
    assert.match(await tid(citizen, 'agent-queue').innerText(), /排第 2 位/)
    sid = Number(await citizen.evaluate(() => localStorage.getItem('tb_agent_session')))
    assert.ok(sid > 0)
    assert.doesNotMatch(citizen.url(), /auto=1/, 'the handoff starts one session; a reload does not start another')
    await shot(citizen, 'citizen-queue')
  })

  const desk = await j.newPage()
  await step('the agent signs in to the work portal and goes online; sessions are assigned', async () => {
    await staffLogin(desk, agent)
    await tid(desk, 'menu-agent-console').click()
    await tid(desk, 'agent-console').waitFor()
    await tid(desk, 'agent-status-online').click()
    await tid(desk, 'agent-session-' + sid).waitFor()
    await tid(citizen, 'agent-serving').waitFor()
    assert.match(await tid(citizen, 'agent-serving').innerText(), /张晓/)
    await shot(desk, 'agent-online')
  })

  await step('the citizen writes; the agent sees it unread and answers with a canned phrase', async () => {
    await tid(citizen, 'agent-input').fill('我下周要出国，能加急吗？')
    await tid(citizen, 'agent-send').click()
    await tid(desk, 'agent-unread-' + sid).waitFor()
    await tid(desk, 'agent-session-' + sid).click()
    await desk.getByText('我下周要出国，能加急吗？').waitFor()
    await tid(desk, 'agent-phrase-' + phrase.body.id).click()
    await tid(citizen, 'agent-messages').getByText('您好，护照加急需提供紧急出国证明。').waitFor()
    await shot(citizen, 'citizen-answer')
  })

  await step('the agent transfers to the expert group; the expert takes over', async () => {
    await tid(desk, 'agent-transfer-target').click()
    await desk.getByText('专家坐席（技能组 expert）').click()
    await tid(desk, 'agent-transfer').click()
    assert.ok(await poll(async () => (await tid(desk, 'agent-session-' + sid).count()) === 0), 'the session left the agent')
    await tid(citizen, 'agent-queue').waitFor()
    assert.equal((await expertApi.put('/api/v1/agent/me/status', { status: 'online' })).status, 200)
    assert.ok(await poll(async () => /李明/.test(await tid(citizen, 'agent-serving').innerText().catch(() => ''))), 'the expert serves')
    const con = await expertApi.get('/api/v1/agent/console')
    assert.deepEqual(con.body.sessions.map(s => s.id), [sid])
    await shot(citizen, 'citizen-expert')
  })

  await step('the citizen stays silent: an idle prompt, then the session closes', async () => {
    await tid(citizen, 'agent-idle').waitFor({ timeout: 30000 })
    assert.match(await tid(citizen, 'agent-idle').innerText(), /自动结束/)
    await shot(citizen, 'citizen-idle')
    await tid(citizen, 'agent-closed').waitFor({ timeout: 30000 })
    assert.equal((await expertApi.get('/api/v1/agent/console')).body.sessions.length, 0, 'the channel is free again')
  })

  await step('the citizen rates the session 不满意 with a reason tag', async () => {
    await tid(citizen, 'agent-rate-bad').click()
    await tid(citizen, 'agent-reasons').getByText('答复不清楚').click()
    await tid(citizen, 'agent-rate-submit').click()
    await tid(citizen, 'agent-rated').waitFor()
    assert.match(await tid(citizen, 'agent-rated').innerText(), /不满意：答复不清楚/)
    await shot(citizen, 'citizen-rated')
    // a reload keeps the finished, rated session out of the way
    await citizen.reload()
    await tid(citizen, 'agent-start').waitFor()
    assert.equal(await tid(citizen, 'agent-question').inputValue(), '护照加急怎么办理？', 'the question stays for a new request')
  })

  await step('the supervisor sees the agents live and finds the conversation in the records', async () => {
    const boss = cliUserAdd(server, { login: 'banzhang1', name: '王班长', role: 'cs_supervisor', password: 'Tb!Bz' + makePassword() })
    const sup = await j.newPage()
    await staffLogin(sup, boss)
    await tid(sup, 'menu-agent-monitor').click()
    await tid(sup, 'monitor-agents').getByText('李明').waitFor()
    await tid(sup, 'monitor-agents').getByText('张晓').waitFor()
    assert.match(await tid(sup, 'monitor-totals').innerText(), /排队 0/)
    await tid(sup, 'records-q').fill('下周要出国')
    await tid(sup, 'records-search').click()
    await tid(sup, 'records-table').getByText('护照加急怎么办理？').waitFor()
    assert.match(await tid(sup, 'records-table').innerText(), /不满意/)
    await shot(sup, 'supervisor')
  })
  j.passed()
})
