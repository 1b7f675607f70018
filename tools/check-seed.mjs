#!/usr/bin/env node
// Validate seed/matters.json and seed/meta.json against the API contract
// (docs/api.md: full matter guide, FormSchema, code lists).
//
//   node tools/check-seed.mjs [--regions FILE] [--matters FILE] [--meta FILE] [-v]
//
// --regions names the division list written by tools/gen-regions.mjs; without
// it the list is built in memory from tools/node_modules (if installed).
// Prints one line per failure, then `N passed, M failed` as the last line;
// exits 1 when anything failed, 2 on bad usage. Needs only node (>= 18).

import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');

// ---------------------------------------------------------------- contract
// Code lists fixed by docs/api.md; meta.json must carry exactly these.
const CONTRACT = {
  police_categories: ['public_order', 'exit_entry', 'traffic', 'detention', 'cyber', 'narcotics', 'criminal', 'border'],
  themes: ['id_docs', 'household', 'travel', 'business', 'certify', 'visit', 'permit', 'birth'],
  online_levels: ['full', 'partial', 'window'],
  case_statuses: ['submitted', 'accepted', 'returned', 'approved', 'rejected', 'completed', 'suspended', 'refused', 'voided'],
};
const META_KEYS = ['police_categories', 'themes', 'service_objects', 'online_levels', 'matter_types', 'exercise_levels', 'case_statuses'];

const CASE_TYPES = [1, 2, 9];               // GB/T 39046 办件类型
const HANDLING_FORMS = [1, 2, 3, 4, 9];     // GB/T 39046 办理形式
const LIMIT_UNITS = ['工作日', '自然日', '小时'];
const CHANNELS = ['pc', 'mobile', 'kiosk'];
const STATUSES = ['published', 'draft', 'unpublished'];
const FIELD_TYPES = ['text', 'textarea', 'number', 'date', 'select', 'radio', 'checkbox', 'id_number', 'phone', 'email'];
const PREFILLS = ['user.name', 'user.id_number', 'user.phone'];
const COMPUTED = ['police_category_name', 'case_type_name', 'online_level_name', 'matter_type_name'];

// key -> JSON type ('string' | 'integer' | 'boolean' | 'array' | 'object' | 'integer|null')
const MATTER_KEYS = {
  // MatterSummary
  code: 'string', name: 'string', short_name: 'string', police_category: 'string', theme: 'string',
  service_objects: 'array', case_type: 'integer', online_level: 'string', appointment: 'boolean',
  delivery: 'boolean', promised_limit: 'integer', promised_limit_unit: 'string', fee_required: 'boolean',
  visits_required: 'integer',
  // full guide
  basic_code: 'string', item_code: 'string', matter_type: 'string', exercise_level: 'integer',
  implementer: 'string', implementer_code: 'string', statutory_limit: 'integer', statutory_limit_unit: 'string',
  statutory_limit_note: 'string', promised_limit_note: 'string', fee_amount_fen: 'integer', fee_basis: 'string',
  fee_note: 'string', handling_forms: 'array', online_payment: 'boolean', conditions: 'string',
  legal_basis: 'string', flow_description: 'string', flow_steps: 'array', materials: 'array', faq: 'array',
  consult_phone: 'string', supervise_phone: 'string', handling_place: 'string', handling_time: 'string',
  result_name: 'string', tips: 'string', regions: 'array', channels: 'array', status: 'string', form: 'object',
  // seed only
  hot: 'integer|null',
};
const NON_EMPTY = ['code', 'name', 'short_name', 'implementer', 'conditions', 'legal_basis', 'flow_description',
  'consult_phone', 'supervise_phone', 'handling_place', 'handling_time', 'result_name', 'promised_limit_unit',
  'statutory_limit_unit', 'basic_code', 'item_code', 'matter_type', 'implementer_code'];
const MATERIAL_KEYS = { id: 'string', name: 'string', source: 'string', note: 'string', original_count: 'integer', copy_count: 'integer', required: 'boolean' };
const FIELD_KEYS = {
  name: 'string', label: 'string', type: 'string', required: 'boolean', min_length: 'integer', max_length: 'integer',
  pattern: 'string', pattern_message: 'string', placeholder: 'string', help: 'string', prefill: 'string',
  options: 'array', min: 'number', max: 'number', rule: 'string', rule_message: 'string',
};
const TEXTUAL = ['text', 'textarea', 'id_number', 'phone', 'email'];
const CHOICE = ['select', 'radio', 'checkbox'];

// Fixtures the API tests rely on (see the seed brief).
const PASSPORT = {
  code: '11230000MB1917443F000117004000',
  name: '普通护照签发',
  required_fields: ['applicant_name', 'id_number', 'phone', 'travel_reason', 'destination'],
};
const HOT_COUNT = 8;

// ---------------------------------------------------------------- helpers
const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
export function usccValid(s) {
  if (typeof s !== 'string' || !/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(s)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_CHARS.indexOf(s[i]) * USCC_W[i];
  const c = 31 - (sum % 31);
  return s[17] === USCC_CHARS[c === 31 ? 0 : c];
}

function jsonType(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (Number.isInteger(v)) return 'integer';
  return typeof v; // string number boolean object
}
function typeOk(v, want) {
  const t = jsonType(v);
  return want.split('|').some((w) => w === t || (w === 'number' && t === 'integer'));
}

let passed = 0, failed = 0;
const verbose = process.argv.includes('-v');
function check(ok, where, msg) {
  if (ok) { passed++; if (verbose) process.stdout.write(`ok   ${where}: ${msg}\n`); }
  else { failed++; process.stdout.write(`FAIL ${where}: ${msg}\n`); }
  return ok;
}
function dupes(list) {
  const seen = new Set(), d = new Set();
  for (const x of list) { if (seen.has(x)) d.add(x); seen.add(x); }
  return [...d];
}
function readJson(file, what) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    check(false, what, `cannot read ${file}: ${e.message}`);
    return undefined;
  }
}
function prettyOk(file, data) {
  const text = fs.readFileSync(file, 'utf8');
  return text === JSON.stringify(data, null, 2) + '\n';
}

// A rule is evaluated by the server's sandboxed (ES5) rule workers: it must be
// one expression over `value` and `form`, compile, and use no ES2015 syntax.
function ruleProblem(rule) {
  if (/=>|`|\blet\b|\bconst\b|\bclass\b|\.\.\.|\?\?|\?\./.test(rule)) return 'uses ES2015+ syntax (the rule engine is ES5)';
  if (/\b(require|process|import|globalThis|eval|Function|while|for)\b/.test(rule)) return 'uses a forbidden identifier or loop';
  try {
    // eslint-disable-next-line no-new-func
    new Function('value', 'form', `"use strict"; return (${rule}\n);`);
  } catch (e) {
    return `does not compile as an expression: ${e.message}`;
  }
  return null;
}

// Sample values per field type, used to exercise rules.
function samplesFor(f) {
  const day = (n) => new Date(Date.now() + 28800000 + n * 86400000).toISOString().slice(0, 10);
  const opt = Array.isArray(f.options) ? f.options.map((o) => o && o.value) : [];
  switch (f.type) {
    case 'number': return [undefined, null, 0, 1, 5, 1000, 100000];
    case 'date': return [undefined, '', day(-400), day(-1), day(0), day(1), day(60)];
    case 'select': case 'radio': return [undefined, '', ...opt];
    case 'checkbox': return [undefined, [], ...opt.map((o) => [o]), opt];
    default: return [undefined, '', '短', '一段足够长的中文说明文字，用于测试规则', '11010519491231002X'];
  }
}

// Run a rule over sample inputs: it must never throw and must answer either a
// boolean or a non-empty string (an empty string or undefined would be read
// as a failure without a message).
function ruleRunProblem(rule, field, fields) {
  let script;
  try { script = new vm.Script(`(function (value, form) { return (${rule}\n); })`); } catch (e) { return e.message; }
  const fn = script.runInNewContext(Object.create(null), { timeout: 100 });
  const forms = [{}];
  const full = {}, alt = {};
  for (const g of fields) {
    if (!g || typeof g.name !== 'string') continue;
    const sm = samplesFor(g).filter((v) => v !== undefined && v !== '' && v !== null);
    if (sm.length) { full[g.name] = sm[0]; alt[g.name] = sm[sm.length - 1]; }
  }
  forms.push(full, alt);
  for (const form of forms) {
    for (const value of samplesFor(field)) {
      let r;
      try { r = fn(value, { ...form, [field.name]: value }); } catch (e) {
        return `throws for value=${JSON.stringify(value)}: ${e.message}`;
      }
      if (!(typeof r === 'boolean' || (typeof r === 'string' && r.length > 0))) {
        return `returns ${JSON.stringify(r) ?? 'undefined'} (not a boolean or message) for value=${JSON.stringify(value)}`;
      }
    }
  }
  return null;
}

// ---------------------------------------------------------------- args
function parseArgs(argv) {
  const a = { regions: null, matters: path.join(ROOT, 'seed', 'matters.json'), meta: path.join(ROOT, 'seed', 'meta.json') };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '-v') continue;
    if (['--regions', '--matters', '--meta'].includes(k) && argv[i + 1]) { a[k.slice(2)] = argv[++i]; continue; }
    process.stderr.write('usage: node tools/check-seed.mjs [--regions FILE] [--matters FILE] [--meta FILE] [-v]\n');
    process.exit(2);
  }
  return a;
}

async function loadRegions(file) {
  if (file) return readJson(file, 'regions');
  try {
    const mod = await import(path.join(HERE, 'gen-regions.mjs'));
    const list = mod.buildRegions({ warn: () => {} });
    process.stdout.write('note: no --regions given, built the division list from tools/node_modules\n');
    return list;
  } catch (e) {
    check(false, 'regions', `no --regions FILE given and the list cannot be built (${e.message.split('\n')[0]})`);
    return undefined;
  }
}

// ---------------------------------------------------------------- meta
function checkMeta(meta, file) {
  const where = 'meta.json';
  if (!check(jsonType(meta) === 'object', where, 'is a JSON object')) return null;
  check(prettyOk(file, meta), where, 'pretty-printed with 2 spaces and a final newline');
  const extra = Object.keys(meta).filter((k) => !META_KEYS.includes(k));
  check(extra.length === 0, where, `no keys beyond the contract${extra.length ? ' (extra: ' + extra.join(', ') + ')' : ''}`);
  const sets = {};
  for (const key of META_KEYS) {
    const list = meta[key];
    if (!check(Array.isArray(list) && list.length > 0, where, `${key} is a non-empty array`)) { sets[key] = new Set(); continue; }
    const codeType = ['service_objects', 'exercise_levels'].includes(key) ? 'integer' : 'string';
    list.forEach((it, i) => {
      check(jsonType(it) === 'object' && Object.keys(it).length === 2 && typeOk(it.code, codeType) &&
        typeof it.name === 'string' && it.name.length > 0, where, `${key}[${i}] is {"code":<${codeType}>,"name":<string>}`);
    });
    const codes = list.map((it) => it && it.code);
    const d = dupes(codes);
    check(d.length === 0, where, `${key} codes unique${d.length ? ' (dup: ' + d.join(', ') + ')' : ''}`);
    if (CONTRACT[key]) {
      const want = CONTRACT[key];
      check(want.every((c) => codes.includes(c)) && codes.every((c) => want.includes(c)), where,
        `${key} codes are exactly the contract's [${want.join(' ')}]`);
    }
    sets[key] = new Set(codes);
  }
  const mt = meta.matter_types || [];
  check(mt.every((it) => /^\d{2}$/.test(it.code)), where, 'matter_types codes are 2-digit GB/T 39046 事项类型代码');
  return sets;
}

// ---------------------------------------------------------------- form
function checkForm(form, where) {
  if (!check(jsonType(form) === 'object', where, 'form is an object')) return;
  const extra = Object.keys(form).filter((k) => !['version', 'fields'].includes(k));
  check(extra.length === 0, where, `form has only version and fields${extra.length ? ' (extra: ' + extra.join(', ') + ')' : ''}`);
  check(Number.isInteger(form.version) && form.version >= 1, where, 'form.version is a positive integer');
  if (!check(Array.isArray(form.fields), where, 'form.fields is an array')) return;
  check(form.fields.length >= 4 && form.fields.length <= 10, where, `form has 4..10 fields (has ${form.fields.length})`);
  const names = [];
  form.fields.forEach((f, i) => {
    const w = `${where} field[${i}]${f && f.name ? ' ' + f.name : ''}`;
    if (!check(jsonType(f) === 'object', w, 'is an object')) return;
    for (const [k, v] of Object.entries(f)) {
      if (!(k in FIELD_KEYS)) { check(false, w, `unknown key "${k}"`); continue; }
      check(typeOk(v, FIELD_KEYS[k]), w, `${k} is ${FIELD_KEYS[k]}`);
    }
    check(typeof f.name === 'string' && /^[a-z][a-z0-9_]{0,39}$/.test(f.name), w, 'name is snake_case [a-z][a-z0-9_]*');
    names.push(f.name);
    check(typeof f.label === 'string' && f.label.length > 0, w, 'label is a non-empty string');
    check(FIELD_TYPES.includes(f.type), w, `type "${f.type}" is one of ${FIELD_TYPES.join(' ')}`);
    if (f.required !== undefined) check(typeof f.required === 'boolean', w, 'required is boolean');
    if (f.prefill !== undefined) check(PREFILLS.includes(f.prefill), w, `prefill "${f.prefill}" is one of ${PREFILLS.join(' ')}`);
    if (f.prefill === 'user.id_number') check(f.type === 'id_number', w, 'user.id_number prefills an id_number field');
    if (f.prefill === 'user.phone') check(f.type === 'phone', w, 'user.phone prefills a phone field');
    if (f.pattern !== undefined) {
      let ok = true;
      try { new RegExp(f.pattern); } catch { ok = false; }
      check(ok, w, 'pattern compiles as a regular expression');
      check(typeof f.pattern_message === 'string' && f.pattern_message.length > 0, w, 'pattern comes with pattern_message');
      check(TEXTUAL.includes(f.type), w, 'pattern only on text-like fields');
    } else if (f.pattern_message !== undefined) check(false, w, 'pattern_message without pattern');
    if (f.min_length !== undefined || f.max_length !== undefined) {
      check(TEXTUAL.includes(f.type), w, 'min_length/max_length only on text-like fields');
      const lo = f.min_length ?? 0, hi = f.max_length ?? Infinity;
      check(lo >= 0 && hi >= 1 && lo <= hi, w, 'min_length <= max_length, both sane');
    }
    if (f.min !== undefined || f.max !== undefined) {
      check(f.type === 'number', w, 'min/max only on number fields');
      if (f.min !== undefined && f.max !== undefined) check(f.min <= f.max, w, 'min <= max');
    }
    if (CHOICE.includes(f.type)) {
      if (check(Array.isArray(f.options) && f.options.length >= 2, w, 'choice field has >= 2 options')) {
        f.options.forEach((o, j) => check(jsonType(o) === 'object' && Object.keys(o).length === 2 &&
          typeof o.value === 'string' && /^[a-z0-9_]{1,40}$/.test(o.value) && typeof o.label === 'string' && o.label.length > 0,
        w, `options[${j}] is {"value":<code>,"label":<string>}`));
        const d = dupes(f.options.map((o) => o && o.value));
        check(d.length === 0, w, `option values unique${d.length ? ' (dup: ' + d.join(', ') + ')' : ''}`);
      }
    } else if (f.options !== undefined) check(false, w, 'options only on select/radio/checkbox');
    if (f.rule !== undefined || f.rule_message !== undefined) {
      check(typeof f.rule === 'string' && f.rule.trim().length > 0, w, 'rule is a non-empty string');
      check(typeof f.rule_message === 'string' && f.rule_message.length > 0, w, 'rule comes with rule_message');
      if (typeof f.rule === 'string') {
        const p = ruleProblem(f.rule);
        if (check(!p, w, `rule is a valid ES5 expression${p ? ': ' + p : ''}`)) {
          const q = ruleRunProblem(f.rule, f, form.fields);
          check(!q, w, `rule answers true/false or a message on sample input${q ? ': ' + q : ''}`);
        }
      }
    }
  });
  const d = dupes(names);
  check(d.length === 0, where, `form field names unique${d.length ? ' (dup: ' + d.join(', ') + ')' : ''}`);
  const pf = form.fields.map((f) => f && f.prefill).filter(Boolean);
  check(dupes(pf).length === 0, where, 'each prefill source used at most once');
}

// ---------------------------------------------------------------- matters
function checkMatters(matters, file, meta, regionCodes) {
  if (!check(Array.isArray(matters), 'matters.json', 'is a JSON array')) return;
  check(prettyOk(file, matters), 'matters.json', 'pretty-printed with 2 spaces and a final newline');
  check(matters.length >= 42, 'matters.json', `has at least 42 matters (has ${matters.length})`);

  matters.forEach((m, idx) => {
    const where = `matter[${idx}] ${m && m.name ? m.name : '?'}`;
    if (!check(jsonType(m) === 'object', where, 'is an object')) return;
    for (const k of Object.keys(MATTER_KEYS)) check(k in m, where, `has key ${k}`);
    for (const k of Object.keys(m)) {
      if (COMPUTED.includes(k)) check(false, where, `${k} is computed by the server and must not be seeded`);
      else if (!(k in MATTER_KEYS)) check(false, where, `unknown key "${k}"`);
    }
    for (const [k, t] of Object.entries(MATTER_KEYS)) if (k in m) check(typeOk(m[k], t), where, `${k} is ${t}`);
    for (const k of NON_EMPTY) if (typeof m[k] === 'string') check(m[k].trim().length > 0, where, `${k} is not empty`);

    check(typeof m.code === 'string' && /^[0-9A-Z]{20,36}$/.test(m.code), where, `code "${m.code}" is 20..36 uppercase alphanumerics`);
    check(typeof m.basic_code === 'string' && /^[0-9A-Z]{12}$/.test(m.basic_code), where, `basic_code "${m.basic_code}" is 12 uppercase alphanumerics`);
    check(typeof m.item_code === 'string' && /^[0-9A-Z]{1,50}$/.test(m.item_code), where, 'item_code is 1..50 uppercase alphanumerics');
    check(typeof m.name === 'string' && m.name.length <= 200, where, 'name at most 200 characters');
    check(usccValid(m.implementer_code), where, `implementer_code "${m.implementer_code}" is a USCC with a correct GB 32100 check digit`);

    check(meta.police_categories.has(m.police_category), where, `police_category "${m.police_category}" exists in meta`);
    check(meta.themes.has(m.theme), where, `theme "${m.theme}" exists in meta`);
    check(meta.online_levels.has(m.online_level), where, `online_level "${m.online_level}" exists in meta`);
    check(meta.matter_types.has(m.matter_type), where, `matter_type "${m.matter_type}" exists in meta`);
    check(meta.exercise_levels.has(m.exercise_level), where, `exercise_level ${m.exercise_level} exists in meta`);
    if (Array.isArray(m.service_objects)) {
      check(m.service_objects.length > 0 && m.service_objects.every((c) => meta.service_objects.has(c)) &&
        dupes(m.service_objects).length === 0, where, 'service_objects: non-empty, unique, codes exist in meta');
    }
    check(CASE_TYPES.includes(m.case_type), where, `case_type ${m.case_type} is one of ${CASE_TYPES.join('/')}`);
    if (m.case_type === 1) check(m.promised_limit <= 1, where, 'a 即办件 (case_type 1) is promised within a day');
    check(LIMIT_UNITS.includes(m.promised_limit_unit) && LIMIT_UNITS.includes(m.statutory_limit_unit), where,
      `limit units are ${LIMIT_UNITS.join('/')}`);
    check(m.promised_limit >= 0 && m.statutory_limit >= 0, where, 'limits are >= 0');
    check(m.visits_required >= 0 && m.visits_required <= 5, where, 'visits_required 0..5');
    if (m.online_level === 'full') check(m.visits_required === 0, where, 'a 全程网办 matter needs 0 visits');
    check(m.fee_amount_fen >= 0 && (m.fee_required ? m.fee_amount_fen > 0 : m.fee_amount_fen === 0), where,
      'fee_amount_fen > 0 exactly when fee_required');
    if (m.fee_required) check(typeof m.fee_basis === 'string' && m.fee_basis.length > 0, where, 'a charged matter states fee_basis');
    if (Array.isArray(m.handling_forms)) {
      check(m.handling_forms.length > 0 && m.handling_forms.every((c) => HANDLING_FORMS.includes(c)) &&
        dupes(m.handling_forms).length === 0, where, `handling_forms codes in ${HANDLING_FORMS.join('/')}`);
    }
    for (const k of ['consult_phone', 'supervise_phone']) {
      check(typeof m[k] === 'string' && /^(0\d{2,3}-\d{7,8}|12345|12389|110)$/.test(m[k]), where, `${k} "${m[k]}" looks like 0451-xxxxxxxx`);
    }
    if (Array.isArray(m.flow_steps)) {
      check(m.flow_steps.length >= 2 && m.flow_steps.every((s) => typeof s === 'string' && s.length > 0), where, 'flow_steps: >= 2 non-empty strings');
    }
    if (Array.isArray(m.faq)) {
      check(m.faq.length >= 2 && m.faq.length <= 4, where, `faq has 2..4 entries (has ${m.faq.length})`);
      m.faq.forEach((f, i) => check(jsonType(f) === 'object' && Object.keys(f).length === 2 &&
        typeof f.q === 'string' && f.q && typeof f.a === 'string' && f.a, where, `faq[${i}] is {"q","a"} non-empty strings`));
    }
    if (Array.isArray(m.materials)) {
      check(m.materials.length >= 1, where, 'has at least one material');
      m.materials.forEach((mat, i) => {
        const w = `${where} material[${i}]`;
        if (!check(jsonType(mat) === 'object', w, 'is an object')) return;
        for (const [k, t] of Object.entries(MATERIAL_KEYS)) check(k in mat && typeOk(mat[k], t), w, `${k} is ${t}`);
        const extra = Object.keys(mat).filter((k) => !(k in MATERIAL_KEYS));
        check(extra.length === 0, w, `no unknown keys${extra.length ? ' (' + extra.join(', ') + ')' : ''}`);
        check(typeof mat.id === 'string' && /^M\d{2}$/.test(mat.id), w, 'id is M01, M02, …');
        check(mat.original_count >= 0 && mat.copy_count >= 0, w, 'counts >= 0');
        check(typeof mat.name === 'string' && mat.name.length > 0 && typeof mat.source === 'string' && mat.source.length > 0, w, 'name and source (出具机构) set');
      });
      const d = dupes(m.materials.map((x) => x && x.id));
      check(d.length === 0, where, `material ids unique${d.length ? ' (dup: ' + d.join(', ') + ')' : ''}`);
    }
    if (Array.isArray(m.regions)) {
      check(m.regions.length > 0 && dupes(m.regions).length === 0, where, 'regions: non-empty, unique');
      for (const r of m.regions) {
        check(typeof r === 'string' && /^\d{6}$/.test(r), where, `region "${r}" is a 6-digit code`);
        if (regionCodes) check(regionCodes.has(r), where, `region ${r} exists in the division list`);
      }
    }
    if (Array.isArray(m.channels)) {
      check(m.channels.length > 0 && m.channels.every((c) => CHANNELS.includes(c)) && dupes(m.channels).length === 0,
        where, `channels subset of ${CHANNELS.join('/')}`);
    }
    check(STATUSES.includes(m.status), where, `status "${m.status}" is one of ${STATUSES.join('/')}`);
    if (m.hot !== null && m.hot !== undefined) check(Number.isInteger(m.hot) && m.hot >= 1 && m.hot <= HOT_COUNT, where, `hot rank 1..${HOT_COUNT}`);
    if ('form' in m) checkForm(m.form, where);
  });

  const all = matters.filter((m) => jsonType(m) === 'object');
  for (const k of ['code', 'basic_code', 'item_code', 'name']) {
    const d = dupes(all.map((m) => m[k]));
    check(d.length === 0, 'matters.json', `${k} unique across matters${d.length ? ' (dup: ' + d.join(', ') + ')' : ''}`);
  }
  const hot = all.filter((m) => m.hot !== null && m.hot !== undefined);
  const ranks = hot.map((m) => m.hot).sort((a, b) => a - b);
  check(ranks.length === HOT_COUNT && ranks.every((r, i) => r === i + 1), 'matters.json', `hot ranks are exactly 1..${HOT_COUNT} (got ${ranks.join(',')})`);
  check(hot.every((m) => m.status === 'published' && Array.isArray(m.channels) && m.channels.includes('pc')), 'matters.json', 'hot matters are published on the pc channel');
  const published = all.filter((m) => m.status === 'published');
  const cats = new Set(published.map((m) => m.police_category));
  const missing = CONTRACT.police_categories.filter((c) => !cats.has(c));
  check(missing.length === 0, 'matters.json', `every police category has a published matter${missing.length ? ' (missing: ' + missing.join(', ') + ')' : ''}`);
  check(all.some((m) => m.status === 'draft') && all.some((m) => m.status === 'unpublished'), 'matters.json', 'at least one draft and one unpublished matter');

  // fixtures relied on by the API tests
  const p = all.find((m) => m.code === PASSPORT.code);
  if (check(!!p, 'fixture', `passport matter ${PASSPORT.code} exists`)) {
    check(p.name === PASSPORT.name && p.status === 'published' && p.appointment === true &&
      JSON.stringify(p.regions) === '["230000"]', 'fixture', 'passport: name 普通护照签发, published, appointment, regions ["230000"]');
    const mats = Array.isArray(p.materials) ? p.materials : [];
    const m01 = mats.find((x) => x.id === 'M01');
    check(!!m01 && m01.name === '居民身份证' && m01.required === true, 'fixture', 'passport: material M01 居民身份证 is required');
    check(mats.filter((x) => x.required).map((x) => x.id).join() === 'M01', 'fixture', 'passport: M01 is the only required material');
    const fields = (p.form && Array.isArray(p.form.fields)) ? p.form.fields : [];
    const req = fields.filter((f) => f.required).map((f) => f.name).sort();
    check(req.join() === [...PASSPORT.required_fields].sort().join(), 'fixture',
      `passport: required form fields are exactly ${PASSPORT.required_fields.join(', ')} (got ${req.join(', ')})`);
    const byName = Object.fromEntries(fields.map((f) => [f.name, f]));
    check(byName.applicant_name?.prefill === 'user.name' && byName.id_number?.type === 'id_number' &&
      byName.id_number?.prefill === 'user.id_number' && byName.phone?.type === 'phone' && byName.phone?.prefill === 'user.phone',
    'fixture', 'passport: applicant_name/id_number/phone prefilled from the user');
    check(byName.travel_reason?.type === 'select' && byName.destination?.type === 'text' &&
      byName.destination?.min_length === 2 && byName.destination?.max_length === 50 &&
      byName.urgent?.type === 'radio' && byName.urgent?.required !== true &&
      byName.urgent_reason?.type === 'textarea' && typeof byName.urgent_reason?.rule === 'string',
    'fixture', 'passport: travel_reason select, destination text 2..50, urgent radio, urgent_reason textarea with rule');
  }
  check(all.filter((m) => m.form && Array.isArray(m.form.fields) && m.form.fields.some((f) => f.rule)).length >= 6,
    'matters.json', 'at least 6 matters carry a form rule');
}

// ---------------------------------------------------------------- main
async function main() {
  const args = parseArgs(process.argv.slice(2));
  const regions = await loadRegions(args.regions);
  let regionCodes = null;
  if (regions !== undefined) {
    if (check(Array.isArray(regions) && regions.length > 0, 'regions', 'division list is a non-empty array')) {
      regionCodes = new Set(regions.map((r) => r && r.code));
      check(regions.every((r) => r && /^\d{6}$/.test(r.code) && typeof r.name === 'string' && [1, 2, 3].includes(r.level)),
        'regions', 'every division has a 6-digit code, a name and level 1..3');
    }
  }
  const meta = readJson(args.meta, 'meta.json');
  const metaSets = meta !== undefined ? checkMeta(meta, args.meta) : null;
  const matters = readJson(args.matters, 'matters.json');
  if (matters !== undefined && metaSets) checkMatters(matters, args.matters, metaSets, regionCodes);
  else if (matters !== undefined) check(false, 'matters.json', 'not checked: meta.json unusable');

  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exitCode = failed > 0 ? 1 : 0;
}

main().catch((e) => {
  process.stdout.write(`FAIL check-seed: ${e.stack}\n0 passed, 1 failed\n`);
  process.exitCode = 1;
});
