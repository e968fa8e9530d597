// SPDX-License-Identifier: EUPL-1.2
// Progressive enhancement only: every page works without it. With
// "insufficient information" chosen, "what is missing" becomes required.
document.addEventListener('DOMContentLoaded', () => {
  const missing = document.getElementById('missing');
  if (!missing) return;
  const update = () => {
    const on = document.querySelector('input[name=value][data-insufficient]:checked');
    missing.required = !!on;
  };
  document.querySelectorAll('input[name=value]').forEach((el) => el.addEventListener('change', update));
  update();
});
