/**
 * What `taglane preview --json stripe rules/examples/stripe/checkout-session-completed-line-items.json`
 * prints for the shipped rules: the order with its expanded line items as Matomo expects it,
 * then the billing event. Shared by the command's unit test and the test of the real binary.
 */
export const CHECKOUT_LINE_ITEMS_REQUESTS: readonly Readonly<Record<string, string>>[] = [
  {
    idsite: '1',
    rec: '1',
    apiv: '1',
    idgoal: '0',
    ec_id: 'cs_test_b1Vw9Rk2TgZ4nH7cXq5LpM3sJd8fE6aB',
    revenue: '86.95',
    ec_st: '85',
    ec_tx: '0',
    ec_sh: '6.95',
    ec_dt: '5',
    ec_items:
      '[["prod_QRk3Yt7HsW2vLm","Trail running shoes","",30,2],["prod_QRk5Bn1XcD8fGh","Merino running socks","",25,1]]',
    cdt: '1723207284',
  },
  {
    idsite: '1',
    rec: '1',
    apiv: '1',
    e_c: 'Billing',
    e_a: 'Checkout completed',
    e_n: 'payment',
    e_v: '86.95',
    ca: '1',
    cdt: '1723207284',
  },
];
