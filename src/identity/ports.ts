/**
 * What Taglane remembers about a person, stored under the HMAC of each of their keys (the raw
 * key is never stored). Every key linked to the person holds a copy, so one read finds them.
 */
export interface PersonRecord {
  /** The 16-hex id Matomo knows this person by now: sent as `cid`. */
  readonly visitorId: string;
  /** 16 hex that never change: the person's synthetic fingerprint (see {@link syntheticIp}). */
  readonly seed: string;
  /** `visitorId` came from a user id (`sha1(uid)[0:16]`, as Matomo rewrites the visit). */
  readonly userBound: boolean;
  /** Hashes of the other keys linked to this person (for `taglane forget`). */
  readonly links: readonly string[];
  /** Unix seconds. */
  readonly lastSeen: number;
}

/** A change to one stored key; `links` are added to the existing ones. */
export interface PersonChange {
  readonly visitorId: string;
  readonly seed: string;
  readonly userBound: boolean;
  readonly links: readonly string[];
}

/**
 * The visitor store. Implementations: DynamoDB (`src/adapters/dynamodb-visitor-store.ts`).
 */
export interface VisitorStore {
  /** The stored records among `hashes`; missing ones are absent from the map. */
  getMany(hashes: readonly string[]): Promise<ReadonlyMap<string, PersonRecord>>;
  /** Stores a new record unless one exists; `false` when another writer got there first. */
  create(hash: string, record: PersonChange, now: number): Promise<boolean>;
  /** Overwrites the id and flags of an existing (or new) record and adds links. */
  update(hash: string, change: PersonChange, now: number): Promise<void>;
  /** Moves `lastSeen` of an existing record forward. */
  touch(hash: string, now: number): Promise<void>;
}
