// SPDX-License-Identifier: EUPL-1.2
// The SurveyJS peer of bench/bench-load and bench/bench-score, headless in
// Node: survey-core builds the model of the same synthetic form
// (scripts/gen-instrument --surveyjs) and runs its visibleIf conditions.
//
//   node surveyjs-load.js inproc FORM.json DATA.json [RUNS]
//     in-process: one warm-up, then RUNS interleaved runs (default 15) of
//       load       JSON.parse + new Model(json)      (colloquy: load + validate)
//       data       model.data = answers, conditions  (colloquy: full scoring)
//       all        model.runConditions(), every one  (colloquy: all relevance re-evaluated)
//       change     model.setValue of one answer read by a condition
//                                                    (colloquy: relevance after one answer)
//     prints one JSON line of medians (ms), the first (cold) load, the
//     visible question count and the process's peak RSS (kB)
//   node surveyjs-load.js load FORM.json          whole process: build the model
//   node surveyjs-load.js score FORM.json DATA.json
//                                                 whole process: model, answers,
//                                                 conditions; prints visible count
//
// SURVEY_CORE names the module to load (default: survey-core).
'use strict';
const fs = require('fs');
const { Model } = require(process.env.SURVEY_CORE || 'survey-core');

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2 + 0.5)];
};
const visible = (m) => m.getAllQuestions().filter((q) => q.isVisible).length;

const [mode, formPath, dataPath, runsArg] = process.argv.slice(2);
if (!formPath || (mode !== 'load' && !dataPath)) {
  console.error('usage: surveyjs-load.js inproc|load|score FORM.json [DATA.json [RUNS]]');
  process.exit(2);
}
const text = fs.readFileSync(formPath, 'utf8');

if (mode === 'load') {
  const m = new Model(JSON.parse(text));
  console.log(`${m.getAllQuestions().length} questions`);
} else if (mode === 'score') {
  const m = new Model(JSON.parse(text));
  m.data = JSON.parse(fs.readFileSync(dataPath, 'utf8'));
  console.log(`${visible(m)} visible questions`);
} else if (mode === 'inproc') {
  const data = JSON.parse(fs.readFileSync(dataPath, 'utf8'));
  const runs = Number(runsArg || 15);
  // Questions whose answer some condition reads, to change one per run.
  const read = [...new Set([...text.matchAll(/\{(i\d+)\}/g)].map((x) => x[1]))];
  const t = { load: [], data: [], all: [], change: [] };
  let first = 0;
  let shown = 0;
  let questions = 0;
  for (let r = 0; r <= runs; r++) {
    let t0 = process.hrtime.bigint();
    const m = new Model(JSON.parse(text));
    const load = ms(t0);
    t0 = process.hrtime.bigint();
    m.data = data;
    const setData = ms(t0);
    t0 = process.hrtime.bigint();
    m.runConditions();
    const all = ms(t0);
    const name = read[r % read.length];
    const old = m.getValue(name);
    const next = old === 'yes' ? 'no' : old === 'no' ? 'yes' : old === 'absent' ? 'present' : 'absent';
    t0 = process.hrtime.bigint();
    m.setValue(name, next);
    const change = ms(t0);
    if (r === 0) {
      first = load; // the cold run: what one process pays once
      m.setValue(name, old);
      shown = visible(m);
      questions = m.getAllQuestions().length;
      continue;
    }
    t.load.push(load);
    t.data.push(setData);
    t.all.push(all);
    t.change.push(change);
  }
  console.log(JSON.stringify({
    questions, visible: shown, runs,
    load: median(t.load), first_load: first, data: median(t.data), all: median(t.all),
    change: median(t.change), maxrss_kb: process.resourceUsage().maxRSS,
  }));
} else {
  console.error(`surveyjs-load.js: unknown mode ${mode}`);
  process.exit(2);
}
