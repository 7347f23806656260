BEGIN TRY

BEGIN TRAN;

-- AlterTable
EXEC SP_RENAME N'dbo.User.bio', N'bio_archived', N'COLUMN';
EXEC SP_RENAME N'dbo.User.nick', N'nick_archived', N'COLUMN';

-- AlterTable
ALTER TABLE [dbo].[User] DROP CONSTRAINT [User_role_df];
EXEC SP_RENAME N'dbo.User.age', N'age_archived', N'COLUMN';

-- DropTable
EXEC SP_RENAME N'dbo.Tag', N'Tag_archived';

COMMIT TRAN;

END TRY
BEGIN CATCH

IF @@TRANCOUNT > 0
BEGIN
    ROLLBACK TRAN;
END;
THROW

END CATCH
