-- SPDX-License-Identifier: EUPL-1.2
-- Breaks the ethics rules on purpose.
local practising = selected("rel.observance", "yes")
local result = { indicators = {}, findings = {} }
result.judgment = practising and "high" or "low"
return { indicators = {}, findings = {}, ["placement"] = "qi" }
