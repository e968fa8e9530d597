-- SPDX-License-Identifier: EUPL-1.2
-- Scoring script of the pre-release instrument. It returns aide-mémoire
-- indicators, each naming the items behind it, and completeness and
-- consistency findings. It never returns a judgment, a risk level or a
-- placement: people decide, with a rationale that cites item ids.

local indicators, findings = {}, standard_findings()

-- Housing should be secured this many days before release at the latest.
local HOUSING_HORIZON_DAYS = 90

local AREAS = {
  housing = { fr = "logement", en = "housing" },
  employment = { fr = "emploi et formation", en = "employment and training" },
  administrative = { fr = "démarches administratives", en = "paperwork" },
  health = { fr = "santé", en = "health" },
  addiction = { fr = "addictions", en = "substance use" },
  family = { fr = "relations familiales", en = "family relations" },
  parenting = { fr = "parentalité", en = "parenting" },
  ["social-ties"] = { fr = "liens sociaux", en = "social ties" },
  disengagement = { fr = "désengagement", en = "disengagement" },
  other = { fr = "autre", en = "other" },
}

local function area_names(list)
  local fr, en = {}, {}
  for _, a in ipairs(list) do
    local names = AREAS[a] or { fr = a, en = a }
    fr[#fr + 1], en[#en + 1] = names.fr, names.en
  end
  return table.concat(fr, ", "), table.concat(en, ", ")
end

local function add_indicator(ind) indicators[#indicators + 1] = ind end
local function add_finding(f) findings[#findings + 1] = f end

local plan = value("sp.entries") or {}

-- Support plan gaps: an item tagged plan-<area>, rated present, with no plan
-- entry in that area. Needs mostly; isolation and ideological commitment
-- also call for a planned answer (social ties, disengagement support).
local planned = {}
for _, entry in ipairs(plan) do
  if entry.area then planned[entry.area] = true end
end
local gap_items, gap_areas, seen_area = {}, {}, {}
for _, item in ipairs(items()) do
  if item.type == "rating" and at_least(item.id, "present") then
    for _, tag in ipairs(item.tags) do
      local area = tag:match("^plan%-(.+)$")
      if area and not planned[area] then
        gap_items[#gap_items + 1] = item.id
        if not seen_area[area] then
          seen_area[area] = true
          gap_areas[#gap_areas + 1] = area
        end
      end
    end
  end
end
if #gap_items > 0 then
  gap_items[#gap_items + 1] = "sp.entries"
  local fr, en = area_names(gap_areas)
  add_indicator {
    id = "support-plan-gaps",
    label = { fr = "Besoins et points d’attention sans action au plan d’accompagnement",
              en = "Needs and concerns with no support plan action" },
    items = gap_items,
    note = { fr = "Domaines sans action prévue : " .. fr .. ".",
             en = "Areas with no planned action: " .. en .. "." },
    tally = #gap_areas,
  }
end

-- Protective factors the team has seen.
local protective = rated_at_least("partial", { kind = "protective" })
if #protective > 0 then
  add_indicator {
    id = "protective-factors",
    label = { fr = "Facteurs de protection relevés", en = "Protective factors noted" },
    items = protective,
    tally = #protective,
  }
end

-- Housing not secured close to release (a release date already past is a
-- constraint violation of rl.release-date, not this indicator).
local release = value("rl.release-date")
local days = release and days_between(today, release)
if days and days >= 0 and days <= HOUSING_HORIZON_DAYS and not selected("env.housing-status", "secured") then
  local STATUS = {
    ["agreed-in-principle"] = { fr = "accord de principe, non confirmé", en = "agreed in principle, not confirmed" },
    ["application-pending"] = { fr = "demande en cours", en = "application pending" },
    none = { fr = "aucune solution", en = "no solution" },
  }
  local status = STATUS[value("env.housing-status")]
  add_indicator {
    id = "housing-not-secured",
    label = { fr = "Logement non acquis à l’approche de la sortie",
              en = "Housing not secured as release approaches" },
    items = { "rl.release-date", "env.housing-status" },
    note = status
      and { fr = string.format("Sortie dans %d jours ; solution de logement : %s.", days, status.fr),
            en = string.format("Release in %d days; housing solution: %s.", days, status.en) }
      or { fr = string.format("Sortie dans %d jours ; solution de logement non renseignée.", days),
           en = string.format("Release in %d days; housing solution not recorded.", days) },
  }
end

-- Plan actions the person has not (fully) agreed to: their voice on the plan.
local unagreed = {}
for _, entry in ipairs(plan) do
  if entry.agreed ~= "agreed" then unagreed[#unagreed + 1] = entry.area end
end
if #unagreed > 0 then
  local fr, en = area_names(unagreed)
  add_indicator {
    id = "plan-not-agreed",
    label = { fr = "Actions du plan non acceptées par la personne",
              en = "Plan actions the person has not agreed to" },
    items = { "sp.entries" },
    note = { fr = "À reprendre avec elle (voir acc.plan-view) : " .. fr .. ".",
             en = "To go over with the person (see acc.plan-view): " .. en .. "." },
    tally = #unagreed,
  }
end

-- Contacts of concern the person intends to keep after release.
local kept = 0
for _, contact in ipairs(value("soc.contacts") or {}) do
  if contact.role == "of-concern" and contact["after-release"] ~= "end" then kept = kept + 1 end
end
if kept > 0 then
  add_indicator {
    id = "contacts-of-concern-kept",
    label = { fr = "Contacts préoccupants maintenus après la sortie",
              en = "Contacts of concern kept after release" },
    items = { "soc.contacts" },
    note = { fr = "À discuter en équipe, avec les facteurs de protection (pf.family-support, pf.prosocial-ties).",
             en = "For team discussion, alongside the protective factors (pf.family-support, pf.prosocial-ties)." },
    tally = kept,
  }
end

-- Consistency: housing secured while the housing need is rated present.
if selected("env.housing-status", "secured") and at_least("sn.housing", "present") then
  add_finding {
    kind = "housing-inconsistent",
    item = "env.housing-status",
    message = { fr = "Logement noté acquis alors que le besoin de logement est coté présent : vérifier l’un ou l’autre.",
                en = "Housing recorded as secured while the housing need is rated present: check one or the other." },
  }
end

-- Completeness: obligations not yet explained to the person.
local unexplained = 0
for _, obligation in ipairs(value("cond.list") or {}) do
  if obligation.explained == "no" then unexplained = unexplained + 1 end
end
if unexplained > 0 then
  add_finding {
    kind = "obligations-not-explained",
    item = "cond.list",
    message = { fr = string.format("%d obligation(s) pas encore expliquée(s) à la personne.", unexplained),
                en = string.format("%d obligation(s) not yet explained to the person.", unexplained) },
  }
end

-- Completeness: a plan that says what but not when, or an empty plan.
if answered("sp.entries") then
  local undated = 0
  for _, entry in ipairs(plan) do
    if entry.start == nil then undated = undated + 1 end
  end
  if #plan == 0 then
    add_finding {
      kind = "empty-support-plan",
      item = "sp.entries",
      message = { fr = "Plan d’accompagnement sans aucune action.",
                  en = "Support plan with no action." },
    }
  elseif undated > 0 then
    add_finding {
      kind = "plan-entry-undated",
      item = "sp.entries",
      message = { fr = string.format("%d action(s) du plan sans date de début.", undated),
                  en = string.format("%d plan action(s) with no start date.", undated) },
    }
  end
end

return { indicators = indicators, findings = findings }
