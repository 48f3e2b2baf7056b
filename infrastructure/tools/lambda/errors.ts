/** AWS SDK errors by name: the SDK sets `name` to the service's error type (ResourceNotFoundException, ...). */
export function isAwsError(err: unknown, name: string): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === name;
}
