-- SPDX-License-Identifier: EUPL-1.2
-- Scoring script of the post-release follow-up. It returns aide-mémoire
-- indicators, each naming the items behind it, and completeness and
-- consistency findings, for either protocol (ses.kind says which one the
-- answers belong to). It never returns a judgment, a risk level or a
-- placement: people decide, with a rationale that cites item ids.

local indicators, findings = {}, standard_findings()

-- A need still open this many days after it was first noted is persisting.
local PERSISTING_DAYS = 90
-- Longest expected interval since the previous follow-up: a month or a
-- quarter, plus two weeks.
local RHYTHM_DAYS = { ["probation-meeting"] = 45, ["partner-report"] = 105 }

local NEED_AREAS = {
  housing = { fr = "logement", en = "housing" },
  employment = { fr = "emploi", en = "employment" },
  administrative = { fr = "démarches", en = "paperwork" },
  health = { fr = "santé", en = "health" },
  family = { fr = "famille", en = "family" },
  ["social-ties"] = { fr = "liens sociaux", en = "social ties" },
  other = { fr = "autre", en = "other" },
}

local OBLIGATIONS = {
  reporting = { fr = "convocations", en = "appointments" },
  residence = { fr = "résidence", en = "residence" },
  ["work-or-training"] = { fr = "activité ou formation", en = "work or training" },
  care = { fr = "soins", en = "care" },
  programme = { fr = "programme", en = "programme" },
  ["no-contact"] = { fr = "interdiction de contact", en = "no contact" },
  ["area-ban"] = { fr = "interdiction de paraître", en = "area ban" },
  ["travel-ban"] = { fr = "interdiction de sortie du territoire", en = "travel ban" },
  compensation = { fr = "indemnisation", en = "compensation" },
  ["electronic-monitoring"] = { fr = "surveillance électronique", en = "electronic monitoring" },
  other = { fr = "autre", en = "other" },
}

local function names(list, labels)
  local fr, en = {}, {}
  for _, id in ipairs(list) do
    local l = labels[id] or { fr = id, en = id }
    fr[#fr + 1], en[#en + 1] = l.fr, l.en
  end
  return table.concat(fr, ", "), table.concat(en, ", ")
end

local function add_indicator(ind) indicators[#indicators + 1] = ind end
local function add_finding(f) findings[#findings + 1] = f end

local kind = value("ses.kind")

-- The need items, by the area their tag names (area-housing...).
local need_item = {}
for _, item in ipairs(items()) do
  for _, tag in ipairs(item.tags) do
    local area = tag:match("^area%-(.+)$")
    if area then need_item[area] = item.id end
  end
end

-- Missed probation meeting.
if selected("pm.attendance", "missed-excused") or selected("pm.attendance", "missed-unexcused") then
  local excused = selected("pm.attendance", "missed-excused")
  add_indicator {
    id = "missed-meeting",
    label = { fr = "Entretien manqué", en = "Missed meeting" },
    items = { "pm.attendance" },
    note = excused and { fr = "Absence justifiée.", en = "Absence with a valid reason." }
                    or { fr = "Absence sans motif justifié.", en = "Absence with no valid reason." },
  }
end

-- Obligations not (fully) met, and obligations not verified.
local unmet, unverified = {}, 0
for _, o in ipairs(value("pm.obligations") or {}) do
  if o.status == "not-met" or o.status == "partly-met" then
    unmet[#unmet + 1] = o.obligation
  elseif o.status == "not-verified" then
    unverified = unverified + 1
  end
end
if #unmet > 0 then
  local fr, en = names(unmet, OBLIGATIONS)
  add_indicator {
    id = "obligations-not-met",
    label = { fr = "Obligations non ou partiellement respectées",
              en = "Obligations not met or partly met" },
    items = { "pm.obligations" },
    note = { fr = fr .. ".", en = en .. "." },
    tally = #unmet,
  }
end
if unverified > 0 then
  add_finding {
    kind = "obligation-unverified",
    item = "pm.obligations",
    message = { fr = string.format("%d obligation(s) pas encore vérifiée(s) : prévoir le justificatif.", unverified),
                en = string.format("%d obligation(s) not verified yet: ask for the document.", unverified) },
  }
end

-- Needs still open long after they were first noted; and open needs whose
-- rating says there is no need.
local persisting, persisting_items, seen_item = {}, { "fu.needs" }, {}
local inconsistent = {}
for _, need in ipairs(value("fu.needs") or {}) do
  if need.status ~= "resolved" then
    local age = days_between(need["first-noted"], today)
    local rated = need_item[need.area]
    if age and age >= PERSISTING_DAYS then
      persisting[#persisting + 1] = need.area
      if rated and at_least(rated, "partial") and not seen_item[rated] then
        seen_item[rated] = true
        persisting_items[#persisting_items + 1] = rated
      end
    end
    if rated and presence(rated) == "absent" and not inconsistent[rated] then
      inconsistent[rated] = true
      add_finding {
        kind = "need-record-inconsistent",
        item = rated,
        message = { fr = "Besoin noté ouvert dans le suivi des besoins, mais coté absent.",
                    en = "Need recorded as open in the needs follow-up, but rated absent." },
      }
    end
  end
end
if #persisting > 0 then
  local fr, en = names(persisting, NEED_AREAS)
  add_indicator {
    id = "persisting-needs",
    label = { fr = "Besoins persistants", en = "Persisting needs" },
    items = persisting_items,
    note = { fr = string.format("Ouverts depuis au moins %d jours : %s.", PERSISTING_DAYS, fr),
             en = string.format("Open for at least %d days: %s.", PERSISTING_DAYS, en) },
    tally = #persisting,
  }
end

-- Protective factors, and risk items rated present: to weigh together.
local protective = rated_at_least("partial", { kind = "protective" })
local concerns = rated_at_least("present", { kind = "risk" })
if #protective > 0 then
  add_indicator {
    id = "protective-factors",
    label = { fr = "Facteurs de protection relevés", en = "Protective factors noted" },
    items = protective,
    tally = #protective,
  }
end
if #concerns > 0 then
  add_indicator {
    id = "concerns-rated-present",
    label = { fr = "Items de préoccupation cotés présents ce mois-ci",
              en = "Items of concern rated present this month" },
    items = concerns,
    note = { fr = "À mettre en regard des facteurs de protection et du récit de la personne (pm.own-account).",
             en = "To weigh against the protective factors and the person’s account (pm.own-account)." },
  }
end

-- Events since the last meeting that call for review.
local REVIEW = { incident = true, ["police-contact"] = true, breach = true }
local to_review = 0
for _, event in ipairs(value("pm.event-log") or {}) do
  if REVIEW[event.kind] then to_review = to_review + 1 end
end
if to_review > 0 then
  add_indicator {
    id = "events-to-review",
    label = { fr = "Événements à examiner (incident, interpellation, manquement)",
              en = "Events to review (incident, arrest, breach)" },
    items = { "pm.event-log" },
    tally = to_review,
  }
end

-- Partner report: sessions missed, plan actions stalled, an alert passed on.
local planned, attended = value("pr.sessions-planned"), value("pr.sessions-attended")
if planned and attended and planned > attended then
  add_indicator {
    id = "sessions-missed",
    label = { fr = "Séances du programme manquées", en = "Programme sessions missed" },
    items = { "pr.sessions-planned", "pr.sessions-attended" },
    note = { fr = string.format("%d sur %d.", planned - attended, planned),
             en = string.format("%d of %d.", planned - attended, planned) },
    tally = planned - attended,
  }
end
local stalled = 0
for _, action in ipairs(value("pr.plan-progress") or {}) do
  if action.status == "not-started" or action.status == "interrupted" then stalled = stalled + 1 end
end
if stalled > 0 then
  add_indicator {
    id = "plan-actions-stalled",
    label = { fr = "Actions du plan pas commencées ou interrompues",
              en = "Plan actions not started or interrupted" },
    items = { "pr.plan-progress" },
    tally = stalled,
  }
end
if selected("pr.alert", "raised") then
  add_indicator {
    id = "partner-alert",
    label = { fr = "Alerte du programme partenaire transmise", en = "Partner programme alert passed on" },
    items = { "pr.alert" },
    note = { fr = "Le contenu de l’alerte est au dossier du service de probation, pas dans ce rapport.",
             en = "The alert’s content is in the probation service’s file, not in this report." },
  }
end

-- Completeness of the partner report: every item it asks must be answered
-- before it is passed on.
if kind == "partner-report" then
  local missing = {}
  for _, item in ipairs(items()) do
    if item.relevant and not item.answered
       and (item.module == "session" or item.module == "situation" or item.module == "partner") then
      missing[#missing + 1] = item.id
    end
  end
  if #missing > 0 then
    local list = table.concat(missing, ", ")
    add_finding {
      kind = "partner-report-incomplete",
      message = { fr = "Rapport trimestriel incomplet ; à compléter avant transmission : " .. list .. ".",
                  en = "Quarterly report incomplete; complete before passing it on: " .. list .. "." },
    }
  end
end

-- The follow-up rhythm: a month between probation meetings, a quarter
-- between partner reports.
local start = value("ses.period-start")
local interval = start and days_between(start, today)
if kind and interval and interval > RHYTHM_DAYS[kind] then
  add_finding {
    kind = "follow-up-overdue",
    item = "ses.period-start",
    message = { fr = string.format("%d jours depuis le suivi précédent (rythme attendu : %d jours au plus).", interval, RHYTHM_DAYS[kind]),
                en = string.format("%d days since the previous follow-up (expected rhythm: at most %d days).", interval, RHYTHM_DAYS[kind]) },
  }
end

return { indicators = indicators, findings = findings }
