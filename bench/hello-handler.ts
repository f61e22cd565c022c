/** The smallest Lambda handler: the baseline the ingest bundle's cold start is measured against. */
export const handler = async (): Promise<{ statusCode: number; body: string }> => ({
  statusCode: 200,
  body: 'hello',
});
