// SPDX-License-Identifier: EUPL-1.2
// The survey-pdf peer of `colloquy export`, for scripts/bench-peers:
//   node surveyjs-pdf.js PARAGRAPHS.json OUT.pdf FONT.ttf [BOLD.ttf]
// renders colloquy's synthesis text (a JSON list of paragraphs, extracted
// from colloquy's PDF) as a read-only survey: one comment question per
// paragraph, its answer the paragraph, rendered as plain text (display mode,
// readonlyRenderAs "text"), A4, 2 cm margins, 9.5 pt, with the TrueType font
// embedded (the text is not all Latin-1: jsPDF's standard fonts cannot show
// it). Headless in Node, no DOM shim: survey-pdf's Node build (jsPDF's Node
// build underneath) needs a DOM (jsdom) only for HTML and signature-pad
// questions, which this survey has none of.
// Prints {"ms": …, "pages": …}: the in-process time after the modules are
// loaded (survey built, PDF rendered, file written).
'use strict';
const fs = require('fs');
const { SurveyPDF } = require('survey-pdf');

const [input, output, font, bold] = process.argv.slice(2);
if (!font) {
  console.error('usage: surveyjs-pdf.js PARAGRAPHS.json OUT.pdf FONT.ttf [BOLD.ttf]');
  process.exit(2);
}
(async () => {
  const t0 = process.hrtime.bigint();
  const paras = JSON.parse(fs.readFileSync(input, 'utf8'));
  const elements = paras.map((_, i) => ({
    type: 'comment', name: `p${i}`, titleLocation: 'hidden', readOnly: true,
  }));
  const data = {};
  paras.forEach((p, i) => { data[`p${i}`] = p; });
  const normal = fs.readFileSync(font).toString('base64');
  const pdf = new SurveyPDF({ title: 'Evaluation synthesis', pages: [{ name: 'synthesis', elements }] }, {
    format: 'a4', fontSize: 9.5, margins: { left: 20, right: 20, top: 20, bot: 20 },
    fontName: 'DejaVuSerif', base64Normal: normal,
    base64Bold: bold ? fs.readFileSync(bold).toString('base64') : normal,
    readonlyRenderAs: 'text', compress: false,
  });
  pdf.data = data;
  pdf.mode = 'display';
  const raw = await pdf.raw();
  fs.writeFileSync(output, Buffer.from(raw));
  console.log(JSON.stringify({ ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
