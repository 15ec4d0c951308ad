// OpenBLAS (Debian libopenblas-dev): CBLAS from its header, LAPACK through the Fortran symbols
// OpenBLAS exports, declared here so no LAPACKE package is needed.
#include <cblas.h>

// Cholesky factorisation of a symmetric positive definite matrix.
void spotrf_(const char *uplo, const int *n, float *a, const int *lda, int *info);
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
// Inverse from a Cholesky factorisation.
void spotri_(const char *uplo, const int *n, float *a, const int *lda, int *info);
void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info);
// Solve A X = B for symmetric positive definite A.
void sposv_(const char *uplo, const int *n, const int *nrhs, float *a, const int *lda,
            float *b, const int *ldb, int *info);
void dposv_(const char *uplo, const int *n, const int *nrhs, double *a, const int *lda,
            double *b, const int *ldb, int *info);
// Symmetric eigen-decomposition.
void ssyevd_(const char *jobz, const char *uplo, const int *n, float *a, const int *lda, float *w,
             float *work, const int *lwork, int *iwork, const int *liwork, int *info);
