/**
 * The IAM action each AWS SDK v3 command needs, for the commands this project's code may send. Used to
 * check the generated policies against the code (test/iam-policies.test.ts); a command missing here
 * makes that check fail loudly rather than pass by omission.
 */
export const SDK_COMMAND_ACTIONS: Record<string, string[]> = {
  // S3 (HeadObject and GetObject share s3:GetObject; multipart steps are covered by s3:PutObject)
  GetObjectCommand: ['s3:GetObject'],
  HeadObjectCommand: ['s3:GetObject'],
  PutObjectCommand: ['s3:PutObject'],
  CreateMultipartUploadCommand: ['s3:PutObject'],
  UploadPartCommand: ['s3:PutObject'],
  CompleteMultipartUploadCommand: ['s3:PutObject'],
  AbortMultipartUploadCommand: ['s3:AbortMultipartUpload'],
  CopyObjectCommand: ['s3:GetObject', 's3:PutObject'],
  DeleteObjectCommand: ['s3:DeleteObject'],
  DeleteObjectsCommand: ['s3:DeleteObject'],
  ListObjectsV2Command: ['s3:ListBucket'],
  ListObjectsCommand: ['s3:ListBucket'],
  HeadBucketCommand: ['s3:ListBucket'],
  // DynamoDB
  BatchWriteItemCommand: ['dynamodb:BatchWriteItem'],
  BatchGetItemCommand: ['dynamodb:BatchGetItem'],
  PutItemCommand: ['dynamodb:PutItem'],
  GetItemCommand: ['dynamodb:GetItem'],
  UpdateItemCommand: ['dynamodb:UpdateItem'],
  DeleteItemCommand: ['dynamodb:DeleteItem'],
  QueryCommand: ['dynamodb:Query'],
  ScanCommand: ['dynamodb:Scan'],
  DescribeTableCommand: ['dynamodb:DescribeTable'],
  TransactWriteItemsCommand: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'],
};

/** lib-storage's Upload sends the multipart commands (or one PutObject for small bodies). */
export const SDK_HELPER_ACTIONS: Record<string, string[]> = {
  Upload: ['s3:PutObject', 's3:AbortMultipartUpload'],
};
