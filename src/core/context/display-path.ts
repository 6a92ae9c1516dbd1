/** File names may hold newlines or control characters; shown escaped so they cannot fake structure. */
export function displayPath(path: string): string {
  return /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(path) ? JSON.stringify(path) : path;
}
