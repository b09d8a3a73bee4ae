/**
 * A retrain's report.json (written by `skewer retrain`, src/training/final.ts), read for the one
 * figure the report keeps apart: the sealed holdout, judged once by the final model. Only the
 * fields shown are validated, so a newer report with more in it still reads.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { UserError } from '../core/errors.ts';
import { MetricSchema } from '../core/metric.ts';
import { RuleMetricsSchema, ThresholdMetricsSchema } from '../core/result.ts';

const figure = z.union([z.number(), z.null().transform(() => Number.NaN)]);

export const RetrainReportSchema = z.object({
  kind: z.literal('skewer-final-report'),
  createdAt: z.string(),
  spec: z.object({ name: z.string().optional() }).passthrough(),
  dataset: z.object({ root: z.string().optional(), classNames: z.array(z.string()), minorityClass: z.string() }),
  plan: z.object({ threshold: figure, epochs: z.number().int(), source: z.string() }),
  holdout: z.object({
    metric: MetricSchema,
    objective: figure,
    argmax: RuleMetricsSchema,
    threshold: ThresholdMetricsSchema,
    rocAuc: figure,
    prAuc: figure,
    images: z.number().int(),
    perClass: z.record(z.string(), z.number()),
    /** The holdout images, relative to the dataset folder (older reports lack them: no Grad-CAM overlays then). */
    items: z.array(z.object({ path: z.string(), label: z.string() })).optional(),
  }),
});
export type RetrainReport = z.infer<typeof RetrainReportSchema>;

/** Reads DIR/report.json (or the file itself when given one); a clear error if it is missing or not a retrain report. */
export async function readRetrainReport(location: string): Promise<RetrainReport> {
  const resolved = path.resolve(location);
  const info = await stat(resolved).catch(() => undefined);
  if (!info) throw new UserError(`no retrain output at ${resolved}`, { where: '--retrain', hint: 'Give the --out folder of `skewer retrain` (it holds report.json), or the report.json itself.' });
  const file = info.isDirectory() ? path.join(resolved, 'report.json') : resolved;
  const text = await readFile(file, 'utf8').catch(() => {
    throw new UserError(`${file} does not exist`, { where: '--retrain', hint: 'The folder must be the --out folder of `skewer retrain`.' });
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${file} is not JSON: ${(error as Error).message}`, { where: '--retrain' });
  }
  const parsed = RetrainReportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`${file} is not a retrain report: ${issue.path.join('.') || '(top)'}: ${issue.message}`, { where: '--retrain', hint: 'Point --retrain at what `skewer retrain --out DIR` wrote.' });
  }
  return parsed.data;
}
