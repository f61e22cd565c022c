/**
 * Currencies whose Stripe amounts are not in hundredths, from Stripe's published list
 * (https://docs.stripe.com/currencies): zero-decimal ones are sent in whole units (¥500 is
 * `500`), three-decimal ones in thousandths (5.120 KWD is `5120`). Every other currency,
 * including ISK, HUF and TWD (which Stripe keeps two-decimal in its API), is in hundredths.
 */
export const STRIPE_DECIMALS: Readonly<Record<string, 0 | 3>> = {
  bif: 0,
  clp: 0,
  djf: 0,
  gnf: 0,
  jpy: 0,
  kmf: 0,
  krw: 0,
  mga: 0,
  pyg: 0,
  rwf: 0,
  ugx: 0,
  vnd: 0,
  vuv: 0,
  xaf: 0,
  xof: 0,
  xpf: 0,
  bhd: 3,
  jod: 3,
  kwd: 3,
  omr: 3,
  tnd: 3,
};

/** Thrown by `$stripeAmount` for arguments it cannot convert; the rule engine names the field. */
export class CurrencyAmountError extends Error {
  override readonly name = 'CurrencyAmountError';
}

/**
 * A Stripe amount (in the currency's smallest unit) in major units, as Matomo wants revenue:
 * `$stripeAmount(5390, "eur")` is 53.9, `$stripeAmount(5000, "jpy")` is 5000,
 * `$stripeAmount(5120, "kwd")` is 5.12. An absent or `null` amount stays absent, so optional
 * fields (shipping, tax) stay optional.
 *
 * @throws {CurrencyAmountError} for an amount that is not a number or a missing currency:
 * guessing hundredths could be off by a factor of 100.
 */
export function stripeAmount(amount: unknown, currency: unknown): number | undefined {
  if (amount === undefined || amount === null) return undefined;
  if (typeof amount !== 'number' || !Number.isFinite(amount)) {
    throw new CurrencyAmountError(`$stripeAmount: the amount ${JSON.stringify(amount)} is not a number`);
  }
  if (typeof currency !== 'string' || currency.trim() === '') {
    throw new CurrencyAmountError(
      `$stripeAmount: no currency for the amount ${amount}, so its decimals are unknown`,
    );
  }
  const code = currency.trim().toLowerCase();
  const decimals = Object.hasOwn(STRIPE_DECIMALS, code) ? (STRIPE_DECIMALS[code] ?? 2) : 2;
  return decimals === 0 ? amount : amount / 10 ** decimals;
}
