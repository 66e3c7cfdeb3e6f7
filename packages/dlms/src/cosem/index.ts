/** COSEM interface classes and typed attribute values (IEC 62056-6-2). */
export * from './data-shape.js';
export * from './interface-classes.js';
export * from './object-list.js';
export * from './profile-generic.js';
export * from './short-names.js';
