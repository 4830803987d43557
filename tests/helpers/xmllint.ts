/**
 * Schema validation with libxml2's `xmllint`, the reference the README gives for SEPA files.
 * A missing xmllint fails the test with the fix (Debian `libxml2-utils`, which CI installs)
 * rather than skipping it: a skipped schema check would look like a passed one.
 */

/** The outcome of {@link validateAgainstXsd}; `output` is xmllint's diagnostics. */
export interface XsdResult {
  valid: boolean;
  output: string;
}

/** The EPC SCT pain.001.001.09 schema in the shared reference folder beside the repo. */
export const PAIN001_XSD = new URL(
  "../../../shared/reference/iso20022/pain.001.001.09.xsd",
  import.meta.url,
).pathname;

const INSTALL_HINT = "xmllint is not installed: run `apt-get install -y libxml2-utils` " +
  "(Debian package libxml2-utils; CI installs it in .ci/run)";

/**
 * Validates `xml` against the schema at `xsdPath` by writing it to a temporary file and
 * running `xmllint --noout --schema`. `xmllint` names the binary (tests of this helper only).
 * @throws Error if xmllint is not installed or the schema file does not exist.
 */
export async function validateAgainstXsd(
  xml: string,
  xsdPath: string,
  xmllint = "xmllint",
): Promise<XsdResult> {
  try {
    await Deno.stat(xsdPath);
  } catch {
    throw new Error(`schema not found at ${xsdPath} (the repo must sit beside shared/)`);
  }
  const file = await Deno.makeTempFile({ suffix: ".xml" });
  try {
    await Deno.writeTextFile(file, xml);
    let output: Deno.CommandOutput;
    try {
      output = await new Deno.Command(xmllint, {
        args: ["--noout", "--schema", xsdPath, file],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) throw new Error(INSTALL_HINT);
      throw error;
    }
    const decoder = new TextDecoder();
    const text = decoder.decode(output.stdout) + decoder.decode(output.stderr);
    return { valid: output.code === 0, output: text.replaceAll(file, "<xml>").trim() };
  } finally {
    await Deno.remove(file);
  }
}

/**
 * Fails (with xmllint's diagnostics in the message) unless `xml` validates against `xsdPath`.
 */
export async function assertValidAgainstXsd(xml: string, xsdPath: string): Promise<void> {
  const result = await validateAgainstXsd(xml, xsdPath);
  if (!result.valid) throw new Error(`XML does not validate against ${xsdPath}:\n${result.output}`);
}
