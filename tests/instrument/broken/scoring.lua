-- SPDX-License-Identifier: EUPL-1.2
return { indicators = {}, findings = {} }
