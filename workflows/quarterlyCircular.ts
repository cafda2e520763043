// Placeholder until the circular work lands (issue 5): the quarterly circular started by the Schedule.
export async function quarterlyCircular(): Promise<void> {
  await Promise.resolve();
}
