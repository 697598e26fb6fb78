// Spectral ruleset for the reliability suite: the OWASP API Security Top 10 rules, loaded
// from node_modules (a YAML `extends` by package name could make Spectral fetch it online).
import owasp from '@stoplight/spectral-owasp-ruleset';

export default { extends: [[owasp, 'all']] };
