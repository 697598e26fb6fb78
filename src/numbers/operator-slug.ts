// Operators are named by a slug in the CLI and in inventory files. Lower case only, so that
// "Acme" and "acme" can never become two tenants by accident.
const OPERATOR_SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Why `slug` is not a usable operator slug, or undefined when it is. */
export function operatorSlugProblem(slug: string): string | undefined {
  if (slug === '') return 'operator is empty';
  if (!OPERATOR_SLUG.test(slug)) {
    return `operator "${slug}" is not a valid slug (lower-case letters, digits and "-", at most 63 characters, starting with a letter or digit)`;
  }
  return undefined;
}
