-- SPDX-License-Identifier: EUPL-1.2
-- Scoring script of the example instrument: aide-mémoire indicators and
-- completeness findings only. It never returns a judgment.
local indicators, findings = {}, {}
return { indicators = indicators, findings = findings }
