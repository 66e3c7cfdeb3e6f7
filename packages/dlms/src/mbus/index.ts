/** M-Bus framing (EN 13757-2) as some meters use it to carry DLMS on their customer interface. */
export * from './long-frame.js';
