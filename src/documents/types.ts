// Official 催办单 / 督办单: what a case asks for and what it gets back (pure: workflows import these types).
// Placeholder until the documents work lands (issue 5): the documents helper fills these in.
export type DocumentActivities = object;
