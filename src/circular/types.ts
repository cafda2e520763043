// The quarterly circular: what is asked for and what is produced (pure: workflows import these types).
// Placeholder until the circular work lands (issue 5): the circular helper fills these in.
export type CircularActivities = object;
