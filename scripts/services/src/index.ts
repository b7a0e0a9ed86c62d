export { startServices, stopServices, serviceEnv, upServices, liveInstances } from "./services.js";
export type { ServiceOutcome, StopOptions, UpOptions, UpResult } from "./services.js";
export { requireService, describeWithService, serviceVariables } from "./test-helpers.js";
export { ServiceStartError } from "./service-errors.js";
export { defaultServiceNames, serviceNames } from "./service-types.js";
export type { ServiceInstance, ServiceName, ServiceOwner } from "./service-types.js";
export { findFreePort } from "./free-port.js";
