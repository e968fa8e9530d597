-- SPDX-License-Identifier: EUPL-1.2
-- Scoring script of the six-monthly QPR review. It returns aide-mémoire
-- indicators (what worsened, what improved, protective factors gained,
-- support needs), each naming the items behind it, and completeness and
-- consistency findings. It never returns a judgment, a risk level, a
-- placement or a score: the commission decides on renewal, with a rationale.

local indicators, findings = {}, standard_findings()

-- Each change rating and the current items it summarises; "concern" domains
-- improve when their items go down, the protective domain when its items go up.
local DOMAINS = {
  { change = "chg.network", concern = true, items = { "net.isolation", "net.ideological-ties" } },
  { change = "chg.commitment", concern = true, items = { "ic.commitment", "ic.legitimisation" } },
  { change = "chg.violence", concern = true,
    items = { "vp.intent", "vp.capability", "vp.detention-conduct", "vp.proselytism" } },
  { change = "chg.protective", concern = false,
    items = { "pf.family-support", "pf.prosocial-ties", "pf.engagement", "pf.future-plans", "pf.distance",
              "pf.parent-role" } },
  { change = "chg.needs", concern = true,
    items = { "sn.housing", "sn.employment", "sn.mental-health", "pa.support-need" } },
}


local ALL = {}
for _, item in ipairs(items()) do
  if not has_tag(item.id, "religious-practice") then ALL[#ALL + 1] = item end
end

local function indicator(t) indicators[#indicators + 1] = t end
local function finding(t) findings[#findings + 1] = t end
-- A presence rating with a real level (not "insufficient information").
local function rated(id) return at_least(id, "absent") end
-- A change rating with a real level (not "cannot say"): worsened is its lowest.
local function is(id, level) return at_least(id, "worsened") and value(id) == level end

-- The change item, then the domain's items that carry a rating.
local function with_ratings(d)
  local ids = { d.change }
  for _, id in ipairs(d.items) do
    if rated(id) then ids[#ids + 1] = id end
  end
  return ids
end

-- 1. Domains that worsened, with today's ratings behind them.
local worsened, n_worsened = {}, 0
for _, d in ipairs(DOMAINS) do
  if is(d.change, "worsened") then
    n_worsened = n_worsened + 1
    for _, id in ipairs(with_ratings(d)) do worsened[#worsened + 1] = id end
  end
end
if n_worsened > 0 then
  indicator {
    id = "worsened",
    label = { fr = "Domaines en aggravation depuis la dernière évaluation",
              en = "Domains that worsened since the last assessment" },
    items = worsened,
    tally = n_worsened,
    note = { fr = "À discuter : quels faits de la période, quelles explications (conditions de détention, "
                  .. "événement familial, procédure) ?",
             en = "For discussion: which facts from the period, which explanations (conditions of detention, "
                  .. "a family event, proceedings)?" },
  }
end

-- 2. Concern domains that improved (network, commitment, violence, needs).
local improved, n_improved = {}, 0
for _, d in ipairs(DOMAINS) do
  if d.concern and is(d.change, "improved") then
    n_improved = n_improved + 1
    for _, id in ipairs(with_ratings(d)) do improved[#improved + 1] = id end
  end
end
if n_improved > 0 then
  indicator {
    id = "improved",
    label = { fr = "Domaines en amélioration depuis la dernière évaluation",
              en = "Domains that improved since the last assessment" },
    items = improved,
    tally = n_improved,
  }
end

-- 3. Protective factors gained or strengthened during the period.
local gains = {}
if is("chg.protective", "improved") then
  for _, d in ipairs(DOMAINS) do
    if d.change == "chg.protective" then
      for _, id in ipairs(d.items) do
        if at_least(id, "partial") then gains[#gains + 1] = id end
      end
    end
  end
  if #gains > 0 then
    table.insert(gains, 1, "chg.protective")
    indicator {
      id = "protective-gains",
      label = { fr = "Facteurs de protection acquis ou renforcés", en = "Protective factors gained or strengthened" },
      items = gains,
      tally = #gains - 1,
    }
  end
end

-- 4. Support needs to plan now.
local needs = {}
for _, item in ipairs(ALL) do
  if item.kind == "need" and item.type == "rating" and at_least(item.id, "partial") then
    needs[#needs + 1] = item.id
  end
end
if #needs > 0 then
  indicator {
    id = "support-needs",
    label = { fr = "Besoins d’accompagnement à prévoir", en = "Support needs to plan" },
    items = needs,
    tally = #needs,
  }
end

-- 5. Protective factors present today, when no gain was recorded (a gain
--    already lists them).
local protective = rated_at_least("partial", { kind = "protective" })
if #protective > 0 and #gains == 0 then
  indicator {
    id = "protective-factors",
    label = { fr = "Facteurs de protection relevés", en = "Protective factors noted" },
    items = protective,
    tally = #protective,
  }
end

-- Findings ------------------------------------------------------------------

for _, d in ipairs(DOMAINS) do
  if at_least(d.change, "worsened") then
    local any, high, low = false, false, true
    for _, id in ipairs(d.items) do
      if rated(id) then
        any = true
        if at_least(id, "partial") then low = false; high = true end
      end
    end
    if not any then
      -- A change claimed with nothing rated today to anchor it.
      finding {
        kind = "change-without-current-ratings",
        item = d.change,
        message = { fr = "Évolution cotée sans aucun item du domaine coté aujourd’hui.",
                    en = "Change rated with no item of the domain rated today." },
      }
    elseif (d.concern and value(d.change) == "worsened" and low)
        or (not d.concern and value(d.change) == "improved" and not high) then
      -- The change points one way, today's ratings the other.
      finding {
        kind = "change-not-reflected",
        item = d.change,
        message = { fr = "L’évolution cotée ne se retrouve pas dans les cotations actuelles du domaine : "
                         .. "revoir l’une ou les autres.",
                    en = "The change rated does not show in the domain’s current ratings: review one or "
                         .. "the other." },
      }
    end
  end
end

-- A risk domain rated while none of its protective counterparts was considered
-- is a standard finding (risk-without-protective), from the counterparts="…"
-- the module files declare.

-- A concealment concern resting only on restricted intelligence is a standard
-- finding (concealment-restricted-only): the runtime reports it.

return { indicators = indicators, findings = findings }
