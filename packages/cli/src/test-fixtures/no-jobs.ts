// A --jobs module that exports no job class.
export const notAJob = 42;
