/** What the crash suite tells the runtime it starts (./runtimeChild.ts), as JSON in {@link CRASH_CHILD_VARIABLE}. */
export interface CrashChildConfig {
  readonly standIns: { readonly dynamodb: string; readonly s3: string };
  readonly tableName: string;
  readonly bucketName: string;
  readonly apiKey: string;
  readonly tenantId: string;
  readonly dataDir: string;
  /** A file holding the synthesized workflow definition (synthesizing it at each start takes seconds). */
  readonly definitionFile: string;
}

export const CRASH_CHILD_VARIABLE = 'WINNOW_CRASH_CHILD';
