// SPDX-License-Identifier: EUPL-1.2
// The @signpdf peer of `colloquy sign`, for scripts/bench-peers:
//   node signpdf.js IN.pdf IDENTITY.p12 OUT.pdf
// adds a signature placeholder to IN.pdf as an incremental update
// (@signpdf/placeholder-plain), signs it with the PKCS#12 identity
// (@signpdf/signer-p12: node-forge, detached PKCS#7, SHA-256; the empty
// password of `colloquy pki create`'s identities) and writes OUT.pdf.
// Prints {"ms": …}: the in-process time after the modules are loaded.
'use strict';
const fs = require('fs');
const signpdf = require('@signpdf/signpdf').default;
const { plainAddPlaceholder } = require('@signpdf/placeholder-plain');
const { P12Signer } = require('@signpdf/signer-p12');

const [input, p12, output] = process.argv.slice(2);
if (!output) {
  console.error('usage: signpdf.js IN.pdf IDENTITY.p12 OUT.pdf');
  process.exit(2);
}
(async () => {
  const t0 = process.hrtime.bigint();
  const signer = new P12Signer(fs.readFileSync(p12), { passphrase: '' });
  const pdf = plainAddPlaceholder({
    pdfBuffer: fs.readFileSync(input),
    reason: 'Synthesis approved',
    contactInfo: 'psychologist (fictional)',
    name: 'psychologist',
    location: 'Benchmark',
  });
  const signed = await signpdf.sign(pdf, signer);
  fs.writeFileSync(output, signed);
  console.log(JSON.stringify({ ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
