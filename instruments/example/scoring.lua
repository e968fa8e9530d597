-- SPDX-License-Identifier: EUPL-1.2
-- Scoring script of the example instrument. It returns aide-mémoire
-- indicators, each naming the items behind it, and completeness and
-- consistency findings. It never returns a judgment, a risk level or a
-- placement: people decide, with a rationale.

local indicators, findings = {}, standard_findings()

-- Support needs to plan: items tagged needs-support, rated partial or more.
local needs = rated_at_least("partial", { tag = "needs-support" })
if #needs > 0 then
  indicators[#indicators + 1] = {
    id = "support-needs",
    label = { fr = "Besoins d’accompagnement à prévoir", en = "Support needs to plan" },
    items = needs,
    tally = #needs,
  }
end

-- Protective factors the team has seen.
local protective = rated_at_least("partial", { kind = "protective" })
if #protective > 0 then
  indicators[#indicators + 1] = {
    id = "protective-factors",
    label = { fr = "Facteurs de protection relevés", en = "Protective factors noted" },
    items = protective,
    tally = #protective,
  }
end

-- Isolation with little family support: a pattern to discuss, not a conclusion.
if at_least("net.isolation", "present") and answered("pf.family-support")
   and not at_least("pf.family-support", "partial") then
  indicators[#indicators + 1] = {
    id = "isolation-without-support",
    label = { fr = "Isolement sans soutien familial", en = "Isolation without family support" },
    items = { "net.isolation", "pf.family-support" },
    note = { fr = "À discuter en équipe : quels relais possibles ?",
             en = "For team discussion: what links could be built?" },
  }
end

-- A timeline answered with no event says nothing: ask for it again.
if answered("lc.timeline") and count("lc.timeline") == 0 then
  findings[#findings + 1] = {
    kind = "empty-timeline",
    item = "lc.timeline",
    message = { fr = "Chronologie vide", en = "Empty timeline" },
  }
end

return { indicators = indicators, findings = findings }
