-- SPDX-License-Identifier: EUPL-1.2
-- Scoring script of the QER initial evaluation. It returns aide-mémoire
-- indicators, each naming the items behind it, and completeness and
-- consistency findings. It never returns a judgment, a risk level, a
-- placement or a score: people decide, with a rationale citing items.
--
-- Items tagged religious-practice are context: this script skips them
-- wherever it walks the items, so no indicator can ever cite them.

local indicators, findings = {}, standard_findings()

local SOURCES = { "interview", "observation", "file", "third-party", "intelligence" }


local ALL = {}
for _, item in ipairs(items()) do
  if not has_tag(item.id, "religious-practice") then
    ALL[#ALL + 1] = item
  end
end

local function indicator(t) indicators[#indicators + 1] = t end
local function finding(t) findings[#findings + 1] = t end

-- A rating with a real level (not "insufficient information").
local function rated(item)
  return item.type == "rating" and at_least(item.id, "absent")
end

local function pick(filter)
  local ids = {}
  for _, item in ipairs(ALL) do
    if filter(item) then ids[#ids + 1] = item.id end
  end
  return ids
end

-- "ic.commitment: 3 for, 1 against (file, interview)"
local function evidence_line(id, lang)
  local r = rating(id)
  local pro, con, seen = 0, 0, {}
  for _, e in ipairs(r.evidence) do
    if e.direction == "supports" then pro = pro + 1 else con = con + 1 end
    seen[e.source] = true
  end
  local kinds = {}
  for _, s in ipairs(SOURCES) do
    if seen[s] then kinds[#kinds + 1] = s end
  end
  local src = #kinds > 0 and (" (" .. table.concat(kinds, ", ") .. ")") or ""
  if lang == "fr" then
    return string.format("%s : %d pour, %d contre%s", id, pro, con, src)
  end
  return string.format("%s: %d for, %d against%s", id, pro, con, src)
end

local function evidence_note(ids)
  local fr, en = {}, {}
  for _, id in ipairs(ids) do
    fr[#fr + 1] = evidence_line(id, "fr")
    en[#en + 1] = evidence_line(id, "en")
  end
  return { fr = table.concat(fr, " ; "), en = table.concat(en, "; ") }
end

-- 1. Support needs to plan: needs and items tagged needs-support, partial or more.
local needs = pick(function (item)
  return item.type == "rating" and (item.kind == "need" or has_tag(item.id, "needs-support"))
         and at_least(item.id, "partial")
end)
if #needs > 0 then
  indicator {
    id = "support-needs",
    label = { fr = "Besoins d’accompagnement à prévoir", en = "Support needs to plan" },
    items = needs,
    tally = #needs,
  }
end

-- 2. Protective factors the team has seen.
local protective = rated_at_least("partial", { kind = "protective" })
if #protective > 0 then
  indicator {
    id = "protective-factors",
    label = { fr = "Facteurs de protection relevés", en = "Protective factors noted" },
    items = protective,
    tally = #protective,
  }
end

-- 3. Ideological-commitment items rated present, with what supports them.
local commitment = pick(function (item)
  return item.module == "commitment" and item.type == "rating" and at_least(item.id, "present")
end)
if #commitment > 0 then
  indicator {
    id = "commitment-present",
    label = { fr = "Engagement idéologique : items cotés présents et leurs éléments",
              en = "Ideological commitment: items rated present and their evidence" },
    items = commitment,
    note = evidence_note(commitment),
  }
end

-- 4. Violence and proselytism items rated partial or present, with their evidence.
local violence = pick(function (item)
  return item.module == "violence" and item.type == "rating" and at_least(item.id, "partial")
end)
if #violence > 0 then
  indicator {
    id = "violence-concerns",
    label = { fr = "Violence et prosélytisme : items cotés partiel ou présent et leurs éléments",
              en = "Violence and proselytism: items rated partial or present and their evidence" },
    items = violence,
    note = evidence_note(violence),
  }
end

-- 5. What the ideology offers, when it still meets needs: for the support plan.
if at_least("ic.motivation", "partial") then
  indicator {
    id = "ideology-offers",
    label = { fr = "Besoins que l’idéologie satisfait : à travailler dans l’accompagnement",
              en = "Needs the ideology meets: to work on in the support plan" },
    items = { "ic.offers", "ic.motivation" },
    note = { fr = "Quelles autres réponses à ces besoins le plan peut-il proposer ?",
             en = "What other answers to these needs can the plan offer?" },
  }
end

-- 6. The consistency picture: every concealment item rated, how many concerns
--    converge (two independent sources and a documented fact), information
--    quality and whether other explanations were recorded.
local cc_items, concerns, converging = {}, 0, 0
for _, item in ipairs(ALL) do
  if has_tag(item.id, "concealment") and item.answered then
    cc_items[#cc_items + 1] = item.id
    if at_least(item.id, "partial") then
      concerns = concerns + 1
      local r, fact = rating(item.id), false
      for _, e in ipairs(r.evidence) do
        fact = fact or (e.direction == "supports" and e.kind == "fact")
      end
      if r.sources >= 2 and fact then converging = converging + 1 end
    end
  end
end
if #cc_items > 0 then
  local quality_fr, quality_en = "non renseignée", "not recorded"
  if answered("cc.information-quality") then
    cc_items[#cc_items + 1] = "cc.information-quality"
    quality_fr, quality_en = value("cc.information-quality"), value("cc.information-quality")
  end
  local alt_fr, alt_en = "sans objet", "not needed"
  if answered("cc.alternative-explanations") then
    cc_items[#cc_items + 1] = "cc.alternative-explanations"
    alt_fr, alt_en = "oui", "yes"
  elseif concerns > 0 then
    alt_fr, alt_en = "non", "no"
  end
  indicator {
    id = "consistency-picture",
    label = { fr = "Cohérence des informations : vue d’ensemble",
              en = "Consistency of information: overall picture" },
    items = cc_items,
    tally = concerns,
    note = {
      fr = string.format("%d écart(s) coté(s) partiel ou présent, dont %d étayé(s) par deux sources "
                         .. "indépendantes et un fait documenté ; qualité de l’information : %s ; autres "
                         .. "explications consignées : %s.", concerns, converging, quality_fr, alt_fr),
      en = string.format("%d discrepancy item(s) rated partial or present, %d of them resting on two "
                         .. "independent sources and a documented fact; information quality: %s; other "
                         .. "explanations recorded: %s.", concerns, converging, quality_en, alt_en),
    },
  }
end

-- 7. Isolation with neither family support nor other prosocial ties.
local function exactly_absent(id) return at_least(id, "absent") and not at_least(id, "partial") end
if at_least("net.isolation", "present") and exactly_absent("pf.family-support")
   and exactly_absent("pf.prosocial-ties") then
  indicator {
    id = "isolation-without-support",
    label = { fr = "Isolement sans soutien familial ni autre lien", en = "Isolation without family support or other ties" },
    items = { "net.isolation", "pf.family-support", "pf.prosocial-ties" },
    note = { fr = "À discuter en équipe : quels liens construire ?",
             en = "For team discussion: which ties could be built?" },
  }
end

-- 8. Parenthood: the parental role as a possible lever, and the support it calls for.
local parent = pick(function (item)
  return (item.id == "pf.parent-role" or item.id == "pa.support-need") and at_least(item.id, "partial")
end)
if #parent > 0 then
  indicator {
    id = "parenthood",
    label = { fr = "Parentalité : levier possible et accompagnement", en = "Parenthood: possible lever and support" },
    items = parent,
  }
end

-- 9. Interview conditions to arrange (gender-sensitive overlay).
local conditions = {}
if selected("gs.interviewer-choice", "female") or selected("gs.interviewer-choice", "male") then
  conditions[#conditions + 1] = "gs.interviewer-choice"
end
if count("gs.adjustments") > 0 and not selected("gs.adjustments", "none") then
  conditions[#conditions + 1] = "gs.adjustments"
end
if #conditions > 0 then
  indicator {
    id = "interview-conditions",
    label = { fr = "Conditions des entretiens à organiser", en = "Interview conditions to arrange" },
    items = conditions,
  }
end

-- Findings ------------------------------------------------------------------

-- A risk domain rated while none of its protective counterparts was considered
-- is a standard finding (risk-without-protective), from the counterparts="…"
-- the module files declare.

-- A risk item rated present with no evidence against it: was any looked for?
for _, item in ipairs(ALL) do
  if item.kind == "risk" and item.type == "rating" and at_least(item.id, "present") then
    local r, against = rating(item.id), false
    for _, e in ipairs(r.evidence) do
      against = against or e.direction == "contradicts"
    end
    if #r.evidence > 0 and not against then
      finding {
        kind = "no-evidence-against",
        item = item.id,
        message = { fr = "Coté présent sans aucun élément contraire : consigner ce qui a été cherché.",
                    en = "Rated present with no evidence against: record what was looked for." },
      }
    end
  end
end

-- A concealment concern resting only on restricted intelligence is a standard
-- finding (concealment-restricted-only): the runtime reports it.

-- A timeline answered with no event says nothing: ask for it again.
if answered("lc.timeline") and count("lc.timeline") == 0 then
  finding {
    kind = "empty-timeline",
    item = "lc.timeline",
    message = { fr = "Chronologie vide", en = "Empty timeline" },
  }
end

return { indicators = indicators, findings = findings }
