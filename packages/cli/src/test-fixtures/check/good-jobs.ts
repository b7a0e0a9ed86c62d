export { Welcome } from "./welcome-job.js";
