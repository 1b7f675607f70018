// Test identities: valid GB 11643 ID numbers, phones and passwords.
import { randomInt, randomBytes } from 'node:crypto'

const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const C = '10X98765432'

/** GB 11643-1999 check character of the first 17 digits. */
export function idCheckDigit (first17) {
  let s = 0
  for (let i = 0; i < 17; i++) s += Number(first17[i]) * W[i]
  return C[s % 11]
}

/** A valid resident ID number: area 230102 (道里区), born 1990-01-01, random sequence. */
export function makeIdNumber (area = '230102', birth = '19900101') {
  const first17 = area + birth + String(randomInt(0, 1000)).padStart(3, '0')
  return first17 + idCheckDigit(first17)
}

export function makePhone () {
  return '139' + String(randomInt(0, 1e8)).padStart(8, '0')
}

export function makeName () {
  const given = ['伟', '芳', '娜', '敏', '静', '磊', '洋', '勇', '军', '杰', '涛', '明', '超', '霞', '平', '刚']
  return '测' + given[randomInt(0, given.length)] + given[randomInt(0, given.length)]
}

/** Meets the policy: ≥ 8 chars, upper + lower + symbol + digits, no ID number or phone inside. */
export function makePassword () {
  return 'Tb!' + randomBytes(5).toString('hex') + 'Qz'
}

// Self-check against the published test vectors (data-standards.md).
for (const v of ['11010519491231002X', '34052419800101001X']) {
  if (idCheckDigit(v.slice(0, 17)) !== v[17]) throw new Error('GB 11643 check digit broken for ' + v)
}
if (idCheckDigit('34052419800101001') === '3') throw new Error('GB 11643 accepts an invalid vector')
