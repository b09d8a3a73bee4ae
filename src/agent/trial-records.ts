/**
 * What an agent reads of its studies' KV buckets: a trial's record (finished already? how many
 * real failures so far?), each study's bucket opened once and verified against the coordinator
 * key of the agent's join token, so a planted "finished" record cannot make it drop a trial.
 */
import { openStudyRecordKv, verifiedRecordCodec } from '../transport/auth/index.ts';
import { studyRecordCodec, type StoredTrial, type StudyRecordValue } from '../transport/messages.ts';
import { trialKey } from '../transport/subjects.ts';
import { unlessMissing, type KvStore, type Transport } from '../transport/types.ts';

export class TrialRecords {
  private readonly kvs = new Map<string, Promise<KvStore<StudyRecordValue>>>();

  constructor(
    private readonly transport: Transport,
    private readonly coordinatorKeyOf: (study: string) => string,
    private readonly log: (line: string) => void,
  ) {}

  async get(study: string, trialId: string): Promise<StoredTrial | undefined> {
    let kv = this.kvs.get(study);
    if (!kv) {
      const codec = verifiedRecordCodec(studyRecordCodec, { study, coordinatorKey: this.coordinatorKeyOf(study) });
      kv = openStudyRecordKv(this.transport, study, codec, ({ key, reason }) => this.log(`refused KV record ${key} of study '${study}': ${reason}`), { bindOnly: true });
      kv.catch(() => this.kvs.delete(study)); // not kept: the next trial of the study tries again
      this.kvs.set(study, kv);
    }
    // No bucket, no record of this trial: nothing says it is finished.
    const store = await unlessMissing(kv);
    const entry = await store?.get(trialKey(trialId));
    return entry?.value.type === 'trial' ? entry.value : undefined;
  }
}
