export { hashVisitorKey, randomVisitorId, syntheticIp, userVisitorId } from './matomo-ids.ts';
export { type PersonAssignment, type PersonPlan, type PersonRef, planPeople } from './people.ts';
export type { PersonChange, PersonRecord, VisitorStore } from './ports.ts';
export {
  type PeopleInProgress,
  type ResolvePeopleOptions,
  startResolvingPeople,
} from './resolve.ts';
