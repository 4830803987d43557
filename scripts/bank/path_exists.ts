/** Whether something is at a path, for the test bank and its SFTP server. */

/** True when `path` names anything (a dangling symlink included); false when nothing. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
