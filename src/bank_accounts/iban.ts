/**
 * IBAN and BIC checks with `ibantools`, each failure as one sentence a client can act on.
 * Pure: no I/O, no zod; the schemas that use it name the field.
 */
import {
  countrySpecs,
  electronicFormatIBAN,
  isSEPACountry,
  validateBIC,
  validateIBAN,
  ValidationErrorsBIC,
  ValidationErrorsIBAN,
} from "ibantools";

/**
 * The electronic form of an IBAN as a client may write it: white space and hyphens removed
 * (`DE89 3704 0044 0532 0130 00` → `DE89370400440532013000`), letters upper-case.
 */
export function normalizeIban(text: string): string {
  return electronicFormatIBAN(text.replace(/\s+/g, "")) ?? "";
}

/** A BIC as a client may write it: white space removed, letters upper-case. */
export function normalizeBic(text: string): string {
  return text.replace(/\s+/g, "").toUpperCase();
}

/** The country of an IBAN in electronic form: its first two characters. */
export function ibanCountry(iban: string): string {
  return iban.slice(0, 2);
}

/** The country of a BIC: characters 5–6. */
export function bicCountry(bic: string): string {
  return bic.slice(4, 6);
}

/**
 * Why an IBAN (in electronic form) cannot be paid to by SEPA credit transfer, or undefined
 * when it can: its characters, country, length, national format, check digits, and the
 * country's membership of the SEPA scheme, judged in that order.
 */
export function ibanProblem(iban: string): string | undefined {
  if (iban === "") return "must not be empty";
  if (!/^[A-Z0-9]+$/.test(iban)) return "IBAN must hold only letters and digits";
  const country = ibanCountry(iban);
  const codes = new Set(validateIBAN(iban, { allowQRIBAN: true }).errorCodes);
  const spec = countrySpecs[country];
  if (codes.has(ValidationErrorsIBAN.NoIBANCountry) || !spec?.chars) {
    return `IBAN must start with the code of a country that has IBANs, not ${
      JSON.stringify(country)
    }`;
  }
  if (codes.has(ValidationErrorsIBAN.WrongBBANLength)) {
    return `IBAN for ${country} must have ${spec.chars} characters, not ${iban.length}`;
  }
  if (codes.has(ValidationErrorsIBAN.ChecksumNotNumber)) {
    return "IBAN check digits (characters 3–4) must be digits";
  }
  if (codes.has(ValidationErrorsIBAN.WrongBBANFormat)) {
    return `IBAN does not have the format of an IBAN for ${country}`;
  }
  if (codes.has(ValidationErrorsIBAN.WrongAccountBankBranchChecksum)) {
    return `IBAN's national check digits are wrong for ${country}`;
  }
  if (codes.size > 0) return "IBAN checksum is wrong";
  if (!isSEPACountry(country)) return `IBAN for ${country} is outside the SEPA scheme`;
  return undefined;
}

/** Why a BIC (normalised) is not one, or undefined when it is. */
export function bicProblem(bic: string): string | undefined {
  if (bic === "") return "must not be empty";
  if (!/^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$/.test(bic)) {
    return "BIC must be 8 or 11 characters: bank (4 letters), country (2 letters), " +
      "location (2 letters or digits), optionally branch (3 letters or digits)";
  }
  const codes = validateBIC(bic).errorCodes;
  if (codes.includes(ValidationErrorsBIC.NoBICCountry)) {
    return `BIC country code ${bicCountry(bic)} (characters 5–6) is not a country`;
  }
  if (codes.length > 0) return "BIC is not valid";
  return undefined;
}

/**
 * Territories whose banks use another country's IBANs: a BIC of one of them goes with an
 * IBAN of that country (a Jersey bank's BIC with a GB IBAN, a Guadeloupe bank's with FR).
 */
const IBAN_COUNTRY_OF_BIC_COUNTRY: Readonly<Record<string, string>> = {
  GG: "GB",
  JE: "GB",
  IM: "GB",
  GF: "FR",
  GP: "FR",
  MQ: "FR",
  RE: "FR",
  YT: "FR",
  PM: "FR",
  BL: "FR",
  MF: "FR",
  AX: "FI",
};

/**
 * Why a valid BIC cannot be the bank of a valid IBAN, or undefined when it can: the BIC's
 * country (characters 5–6) must be the IBAN's, or a territory using that country's IBANs.
 */
export function bicIbanMismatch(bic: string, iban: string): string | undefined {
  const ofBic = bicCountry(bic);
  const ofIban = ibanCountry(iban);
  if (ofBic === ofIban || IBAN_COUNTRY_OF_BIC_COUNTRY[ofBic] === ofIban) return undefined;
  return `BIC is for ${ofBic} (characters 5–6) but the IBAN is for ${ofIban}`;
}
