// Placeholder until the documents work lands (issue 5): the office-year register of document numbers.
export async function documentRegister(): Promise<void> {
  await Promise.resolve();
}
