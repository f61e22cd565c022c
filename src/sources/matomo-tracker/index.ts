export { anonymiseAddress, clientAddress, matomoLanguage } from './client.ts';
export {
  type ConsentMode,
  loadTrackerConfig,
  MATOMO_PATH,
  parseTrackerConfig,
  type TrackerConfig,
  type TrackerSite,
} from './config.ts';
export { TrackerConfigError } from './errors.ts';
export { handleTracker, type TrackerDeps, trackerDeps } from './handle.ts';
export { type ClientFacts, type Passed, passRequest, TRACKER_SOURCE } from './policy.ts';
export { RateLimiter } from './rate-limit.ts';
export { type TrackerProblem, TrackerRequestError } from './request-errors.ts';
export { corsHeaders, TRACKING_GIF, trackedResponse } from './respond.ts';
export { parseWire, type WireParams, type WireRequests } from './wire.ts';
