/**
 * The built-in simulator profile (the same content as `profiles/default.json`): a meter with a
 * Clock, energy registers (1-0:1.8.0, 2.8.0, 3.8.0, 4.8.0), a 10,000-entry load profile
 * 1-0:99.1.0.255 (clock, status, 1.8.0, 2.8.0 every 15 minutes), Disconnect control and a Push
 * setup; the public client (SAP 16, no authentication) reads the registers and the load profile,
 * the management client (SAP 1) uses HLS-GMAC (mechanism 5) with suite 0 ciphering and the
 * published test keys, and a reader (SAP 32) uses LLS with password `00000001`.
 * IEC 62056-6-2 §4, IEC 62056-5-3 §9.4. The keys are test keys: never use them in a real meter.
 */
import type { SimulatorProfile } from './profile.js';

/** The built-in profile (see the module comment). IEC 62056-6-2 §4. */
export const DEFAULT_SIMULATOR_PROFILE: SimulatorProfile = {
  name: 'meterkit default meter',
  logicalDevice: 1,
  physicalAddress: 17,
  systemTitle: '4d4b540000000001',
  manufacturer: 'MKT',
  identification: 'meterkit-sim',
  hdlc: {
    maxInfoLength: 512,
    window: 1,
  },
  associations: [
    {
      clientSap: 16,
      name: 'public',
      logicalName: '0-0:40.0.1.255',
      mechanism: 0,
      maxPduSize: 1024,
    },
    {
      clientSap: 1,
      name: 'management',
      logicalName: '0-0:40.0.2.255',
      mechanism: 5,
      ciphering: true,
      security: {
        suite: 0,
        globalUnicastEncryptionKey: '000102030405060708090a0b0c0d0e0f',
        authenticationKey: 'd0d1d2d3d4d5d6d7d8d9dadbdcdddedf',
        masterKey: '000102030405060708090a0b0c0d0e0f',
      },
      maxPduSize: 1024,
      defaultAccess: 'read-and-write',
    },
    {
      clientSap: 32,
      name: 'reader',
      logicalName: '0-0:40.0.3.255',
      mechanism: 1,
      password: '00000001',
      maxPduSize: 1024,
      defaultAccess: 'read-only',
    },
  ],
  objects: [
    {
      classId: 8,
      logicalName: '0-0:1.0.0.255',
      live: {
        kind: 'clock',
      },
      attributes: {
        '3': {
          type: 'long',
          value: -60,
        },
        '4': {
          type: 'unsigned',
          value: 0,
        },
        '7': {
          type: 'integer',
          value: 60,
        },
        '8': {
          type: 'boolean',
          value: false,
        },
        '9': {
          type: 'enum',
          value: 1,
        },
      },
      access: {
        '*': 'read-only',
      },
    },
    {
      classId: 1,
      logicalName: '0-0:42.0.0.255',
      attributes: {
        '2': {
          type: 'octet-string',
          value: '4d4b5430303030303030303031',
        },
      },
      access: {
        '*': 'read-only',
      },
    },
    {
      classId: 1,
      logicalName: '0-0:96.1.0.255',
      attributes: {
        '2': {
          type: 'visible-string',
          value: '00000001',
        },
      },
      access: {
        '*': 'read-only',
      },
    },
    {
      classId: 3,
      logicalName: '1-0:1.8.0.255',
      live: {
        kind: 'energy',
        averagePower: 450,
        shape: 'consumption',
        seed: 1,
        initialEnergy: 12345678,
      },
      attributes: {
        '2': {
          type: 'double-long-unsigned',
          value: 0,
        },
        '3': {
          type: 'structure',
          value: [
            {
              type: 'integer',
              value: 0,
            },
            {
              type: 'enum',
              value: 30,
            },
          ],
        },
      },
      access: {
        '*': 'read-only',
      },
    },
    {
      classId: 3,
      logicalName: '1-0:2.8.0.255',
      live: {
        kind: 'energy',
        averagePower: 300,
        shape: 'generation',
        seed: 2,
        initialEnergy: 2345678,
      },
      attributes: {
        '2': {
          type: 'double-long-unsigned',
          value: 0,
        },
        '3': {
          type: 'structure',
          value: [
            {
              type: 'integer',
              value: 0,
            },
            {
              type: 'enum',
              value: 30,
            },
          ],
        },
      },
      access: {
        '*': 'read-only',
      },
    },
    {
      classId: 3,
      logicalName: '1-0:3.8.0.255',
      live: {
        kind: 'energy',
        averagePower: 60,
        shape: 'flat',
        seed: 3,
        initialEnergy: 456789,
      },
      attributes: {
        '2': {
          type: 'double-long-unsigned',
          value: 0,
        },
        '3': {
          type: 'structure',
          value: [
            {
              type: 'integer',
              value: 0,
            },
            {
              type: 'enum',
              value: 32,
            },
          ],
        },
      },
      access: {
        '*': 'read-only',
      },
    },
    {
      classId: 3,
      logicalName: '1-0:4.8.0.255',
      live: {
        kind: 'energy',
        averagePower: 20,
        shape: 'flat',
        seed: 4,
        initialEnergy: 123456,
      },
      attributes: {
        '2': {
          type: 'double-long-unsigned',
          value: 0,
        },
        '3': {
          type: 'structure',
          value: [
            {
              type: 'integer',
              value: 0,
            },
            {
              type: 'enum',
              value: 32,
            },
          ],
        },
      },
      access: {
        '*': 'read-only',
      },
    },
    {
      classId: 1,
      logicalName: '0-0:96.10.1.255',
      live: {
        kind: 'profile-status',
      },
      attributes: {
        '2': {
          type: 'unsigned',
          value: 0,
        },
      },
      access: {
        '*': 'read-only',
      },
    },
    {
      classId: 7,
      logicalName: '1-0:99.1.0.255',
      live: {
        kind: 'load-profile',
        entries: 10000,
        capturePeriod: 900,
        captureObjects: [
          {
            classId: 8,
            logicalName: '0-0:1.0.0.255',
            attributeIndex: 2,
          },
          {
            classId: 1,
            logicalName: '0-0:96.10.1.255',
            attributeIndex: 2,
          },
          {
            classId: 3,
            logicalName: '1-0:1.8.0.255',
            attributeIndex: 2,
          },
          {
            classId: 3,
            logicalName: '1-0:2.8.0.255',
            attributeIndex: 2,
          },
        ],
      },
      access: {
        '*': 'read-only',
      },
    },
    {
      classId: 70,
      logicalName: '0-0:96.3.10.255',
      live: {
        kind: 'disconnect-control',
      },
      attributes: {
        '4': {
          type: 'enum',
          value: 1,
        },
      },
      access: {
        '*': 'read-only',
      },
    },
    {
      classId: 40,
      logicalName: '0-0:25.9.0.255',
      live: {
        kind: 'push-setup',
        everySeconds: 900,
      },
      attributes: {
        '2': {
          type: 'array',
          value: [
            {
              type: 'structure',
              value: [
                {
                  type: 'long-unsigned',
                  value: 40,
                },
                {
                  type: 'octet-string',
                  value: '0-0:25.9.0.255',
                },
                {
                  type: 'integer',
                  value: 1,
                },
                {
                  type: 'long-unsigned',
                  value: 0,
                },
              ],
            },
            {
              type: 'structure',
              value: [
                {
                  type: 'long-unsigned',
                  value: 8,
                },
                {
                  type: 'octet-string',
                  value: '0-0:1.0.0.255',
                },
                {
                  type: 'integer',
                  value: 2,
                },
                {
                  type: 'long-unsigned',
                  value: 0,
                },
              ],
            },
            {
              type: 'structure',
              value: [
                {
                  type: 'long-unsigned',
                  value: 3,
                },
                {
                  type: 'octet-string',
                  value: '1-0:1.8.0.255',
                },
                {
                  type: 'integer',
                  value: 2,
                },
                {
                  type: 'long-unsigned',
                  value: 0,
                },
              ],
            },
            {
              type: 'structure',
              value: [
                {
                  type: 'long-unsigned',
                  value: 3,
                },
                {
                  type: 'octet-string',
                  value: '1-0:2.8.0.255',
                },
                {
                  type: 'integer',
                  value: 2,
                },
                {
                  type: 'long-unsigned',
                  value: 0,
                },
              ],
            },
          ],
        },
        '3': {
          type: 'structure',
          value: [
            {
              type: 'enum',
              value: 1,
            },
            {
              type: 'visible-string',
              value: '127.0.0.1:4059',
            },
            {
              type: 'enum',
              value: 0,
            },
          ],
        },
        '4': {
          type: 'array',
          value: [],
        },
        '5': {
          type: 'long-unsigned',
          value: 0,
        },
        '6': {
          type: 'unsigned',
          value: 3,
        },
        '7': {
          type: 'long-unsigned',
          value: 60,
        },
      },
    },
  ],
};
