/** The normalised session model and the pipeline that reads any input into it. */

export * from './capture-messages.js';
export * from './capture-session.js';
export * from './channel.js';
export * from './frame-session.js';
export * from './read-session.js';
export * from './record.js';
export * from './text-lines.js';
export * from './time.js';
