/** IEC 62056-21 direct local data exchange: messages and the mode E / mode C sign-on. */
export * from './messages.js';
export * from './sign-on.js';
